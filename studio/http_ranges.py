"""File downloads from Django storage that answer byte ranges (RFC 9110 §14), streamed in chunks.

A browser's ``<video>`` asks for ``Range: bytes=a-b`` to seek and to read an MP4's index; MAMs
resume large downloads the same way. One range per request: a multi-range request gets the whole
file (which RFC 9110 allows), a range that cannot be read or understood gets 416.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import Storage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

CHUNK = 256 * 1024
_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(ValueError):
    """The Range header is malformed, or asks only for bytes past the end."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one byte range the header asks for, clipped to the file; None to send the whole file."""
    if not header.strip().lower().startswith("bytes") or "," in header:
        return None  # another unit, or several ranges: answered with the whole file
    match = _RANGE.match(header)
    if match is None or match.groups() == ("", ""):
        raise Unsatisfiable(header)
    first, last = match.groups()
    if first == "":  # the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable(header)
    return ByteRange(start, end)


class _Slice:
    """Iterates over ``length`` bytes of a file from ``start``, chunk by chunk; closes the file."""

    def __init__(self, handle, start: int, length: int):
        self.handle, self.start, self.length = handle, start, length

    def __iter__(self) -> Iterator[bytes]:
        self.handle.seek(self.start)
        remaining = self.length
        while remaining > 0:
            chunk = self.handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.handle.close()


def _describe(response: HttpResponse, *, content_type: str, filename: str, attachment: bool):
    response["Accept-Ranges"] = "bytes"
    response["Content-Type"] = content_type
    if disposition := content_disposition_header(attachment, filename):
        response["Content-Disposition"] = disposition
    return response


def ranged_file_response(
    request: HttpRequest,
    storage: Storage,
    key: str,
    *,
    content_type: str,
    filename: str,
    attachment: bool,
) -> HttpResponse:
    """200 with the whole file, 206 with the range asked for, or 416 naming the file's size."""
    size = storage.size(key)
    described = {"content_type": content_type, "filename": filename, "attachment": attachment}
    header = request.headers.get("Range", "")
    try:
        wanted = parse_range(header, size) if header else None
    except Unsatisfiable:
        refused = HttpResponse(
            f"Range not satisfiable: the file has {size} bytes.\n",
            status=416,
            content_type="text/plain",
        )
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    handle = storage.open(key, "rb")
    if wanted is None:
        whole = FileResponse(handle, as_attachment=attachment, filename=filename)
        whole["Content-Length"] = str(size)
        return _describe(whole, **described)
    partial = StreamingHttpResponse(_Slice(handle, wanted.start, wanted.length), status=206)
    partial["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    partial["Content-Length"] = str(wanted.length)
    return _describe(partial, **described)
