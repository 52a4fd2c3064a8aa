"""Where a file's C2PA manifest store lies, found by walking the container's own structure.

Each format puts the store in one defined place: JPEG in APP11 segments holding a JUMBF box of the
C2PA type, PNG in a ``caBX`` chunk, ISO base media (MP4, QuickTime, HEIF) in a top-level ``uuid``
box with the C2PA UUID, RIFF (WebP, WAV, AVI) in a top-level ``C2PA`` chunk. Text that mentions
"jumbf" or "c2pa" (a comment, an XMP packet pointing at a removed manifest) is not a store, and is
never mistaken for one: nothing here searches for strings.

Only headers are read (a few small reads per segment, box or chunk), whatever the file's size.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

# ISO base media files (MP4, QuickTime, HEIF) carry the store in a top-level box of this UUID.
BMFF_TYPES = frozenset(
    {"video/mp4", "video/quicktime", "audio/mp4", "image/heic", "image/heif", "image/avif"}
)
RIFF_TYPES = frozenset({"image/webp", "audio/wav", "video/x-msvideo"})
C2PA_BOX_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
# The JUMBF description box type of a C2PA manifest store ("c2pa" then the ISO suffix).
C2PA_STORE_TYPE = bytes.fromhex("6332706100110010800000aa00389b71")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Scan:
    """What walking the container found: where each store starts, and whether the walk reached
    every place a store may lie (``complete``) or stopped at a structure it could not read."""

    stores: tuple[int, ...]
    complete: bool
    stores_end: int = 0  # JPEG: where the last store segment ends (the header up to there)


class Box(NamedTuple):
    offset: int
    size: int
    kind: bytes
    c2pa: bool  # the C2PA manifest store's uuid box
    to_end: bool  # declared with size 0: runs to the end of the file


def scan(path: Path, mime_type: str) -> Scan | None:
    """The stores in ``path``; None for a format whose structure is not walked here."""
    walker = _WALKERS.get(mime_type)
    if walker is None:
        walker = _bmff if mime_type in BMFF_TYPES else _riff if mime_type in RIFF_TYPES else None
    if walker is None:
        return None
    with path.open("rb") as handle:
        try:
            return walker(handle, os.fstat(handle.fileno()).st_size)
        except (struct.error, ValueError):
            return Scan((), complete=False)


def top_level_boxes(stream: BinaryIO) -> list[Box] | None:
    """The top-level boxes of an ISO base media file, a few reads however large the media; None
    when they do not add up to the file."""
    end = os.fstat(stream.fileno()).st_size
    boxes, offset = [], 0
    while offset < end:
        stream.seek(offset)
        header = stream.read(32)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header[:8])
        start = 8
        if size == 1 and len(header) >= 16:
            size, start = struct.unpack(">Q", header[8:16])[0], 16
        to_end = size == 0
        if to_end:
            size = end - offset
        if size < start or offset + size > end:
            return None
        c2pa_box = kind == b"uuid" and header[start : start + 16] == C2PA_BOX_UUID
        boxes.append(Box(offset, size, kind, c2pa_box, to_end))
        offset += size
    return boxes


def _bmff(stream: BinaryIO, size: int) -> Scan:
    boxes = top_level_boxes(stream)
    if boxes is None:
        return Scan((), complete=False)
    return Scan(tuple(box.offset for box in boxes if box.c2pa), complete=True)


def _jpeg(stream: BinaryIO, size: int) -> Scan:
    """Header segments up to the first scan: a store is an APP11 segment carrying a JUMBF
    superbox whose description names the C2PA store type (or is too damaged to name anything);
    a store spread over several segments starts at the one numbered 1."""
    stream.seek(0)
    if stream.read(2) != b"\xff\xd8":
        return Scan((), complete=False)
    stores, offset, stores_end = [], 2, 0
    while offset + 4 <= size:
        stream.seek(offset)
        prefix, marker = stream.read(2)
        if prefix != 0xFF:
            return Scan(tuple(stores), complete=False)
        if marker == 0xFF:  # fill byte before a marker
            offset += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan, or an image with no scan
            return Scan(tuple(stores), complete=True, stores_end=stores_end)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", stream.read(2))
        if length < 2 or offset + 2 + length > size:
            return Scan(tuple(stores), complete=False)
        if marker == 0xEB and length >= 2 + 8 + 8:
            payload = stream.read(length - 2)
            if _jumbf_store_start(payload):
                stores.append(offset)
            if stores and payload[:2] == b"JP":
                stores_end = offset + 2 + length
        offset += 2 + length
    return Scan(tuple(stores), complete=False)


def _jumbf_store_start(payload: bytes) -> bool:
    """An APP11 payload: ``JP``, box instance, sequence number, then the JUMBF box header."""
    if payload[:2] != b"JP":
        return False
    (sequence,) = struct.unpack(">I", payload[4:8])
    if sequence != 1 or payload[12:16] != b"jumb":
        return False
    description = payload[16:40]
    if description[4:8] != b"jumd":
        return True  # a superbox whose description is damaged: a store, unreadable
    return description[8:24] == C2PA_STORE_TYPE


def _png(stream: BinaryIO, size: int) -> Scan:
    stream.seek(0)
    if stream.read(8) != PNG_SIGNATURE:
        return Scan((), complete=False)
    stores, offset = [], 8
    while offset + 12 <= size:
        stream.seek(offset)
        length, kind = struct.unpack(">I4s", stream.read(8))
        if offset + 12 + length > size:
            return Scan(tuple(stores), complete=False)
        if kind == b"caBX":
            stores.append(offset)
        if kind == b"IEND":
            return Scan(tuple(stores), complete=True)
        offset += 12 + length
    return Scan(tuple(stores), complete=False)


def _riff(stream: BinaryIO, size: int) -> Scan:
    stream.seek(0)
    head = stream.read(12)
    if len(head) < 12 or head[:4] != b"RIFF":
        return Scan((), complete=False)
    end = min(size, 8 + struct.unpack("<I", head[4:8])[0])
    stores, offset = [], 12
    while offset + 8 <= end:
        stream.seek(offset)
        kind, length = struct.unpack("<4sI", stream.read(8))
        if offset + 8 + length > end:
            return Scan(tuple(stores), complete=False)
        if kind == b"C2PA":
            stores.append(offset)
        offset += 8 + length + (length & 1)
    return Scan(tuple(stores), complete=offset >= end)


_WALKERS = {"image/jpeg": _jpeg, "image/png": _png}
