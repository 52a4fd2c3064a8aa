"""Bytes on their way in: streamed to a spool file while hashed and measured, in constant memory.

An ``IncomingFile`` is a spooled file whose SHA-256, size and first bytes are known. It comes from a
stream (the service, the CLI) or from Django's upload machinery (``HashingUploadHandler``), so
the bytes are read exactly once on the way in.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    StopUpload,
    TemporaryFileUploadHandler,
)

from assets.sniff import HEAD_BYTES
from studio.exceptions import PayloadTooLarge

CHUNK = 1024 * 1024


def spool_dir() -> Path:
    path = Path(settings.ASSET_SPOOL_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than the limit of {limit} bytes.")


@dataclass
class IncomingFile:
    path: Path
    size: int
    sha256: str
    head: bytes

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def spool_stream(source: BinaryIO, *, max_size: int | None = None) -> IncomingFile:
    """Copy ``source`` to a spool file, hashing as it goes; stop at ``max_size`` and leave nothing."""
    limit = max_size or settings.ASSET_MAX_BYTES
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size, head = 0, b""
    fd, name = tempfile.mkstemp(prefix="ingest-", dir=spool_dir())
    try:
        with os.fdopen(fd, "wb") as spool:
            while read := source.readinto(view):
                size += read
                if size > limit:
                    raise too_large(limit)
                if len(head) < HEAD_BYTES:
                    head += bytes(view[: HEAD_BYTES - len(head)])
                digest.update(view[:read])
                spool.write(view[:read])
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return IncomingFile(Path(name), size, digest.hexdigest(), head)


class HashedUpload(TemporaryUploadedFile):
    sha256: str = ""
    head: bytes = b""

    def incoming(self) -> IncomingFile:
        """Hand the spooled upload over; from here on the ingest service owns (and removes) it."""
        self.file.flush()
        return IncomingFile(Path(self.temporary_file_path()), self.size, self.sha256, self.head)


class HashingUploadHandler(TemporaryFileUploadHandler):
    """Streams each uploaded file to the spool directory, hashing and capping it chunk by chunk.

    Installed only on the asset upload view. An upload over the limit stops there; an upload cut
    off half-way never completes. Either way the temporary file is closed, and so removed.
    """

    chunk_size = CHUNK

    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.digest = hashlib.sha256()
        self.head = b""
        self.size = 0
        self.limit = settings.ASSET_MAX_BYTES
        self.file = HashedUpload(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > self.limit:
            self.file.close()
            self.too_large = True
            raise StopUpload(connection_reset=True)
        if len(self.head) < HEAD_BYTES:
            self.head += raw_data[: HEAD_BYTES - len(self.head)]
        self.digest.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size):
        upload = super().file_complete(file_size)
        upload.sha256 = self.digest.hexdigest()
        upload.head = self.head
        return upload

    def upload_interrupted(self):
        if getattr(self, "file", None) is not None:
            self.file.close()
