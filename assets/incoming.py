"""Bytes on their way in: streamed to a spool file while hashed and measured, in constant memory.

An ``IncomingFile`` is a spooled file whose SHA-256, size and first bytes are known. It comes from a
stream (the service, the CLI) or from Django's upload machinery (``HashingUploadHandler``), so
the bytes are read exactly once on the way in.
"""

from __future__ import annotations

import hashlib
import os
import queue
import tempfile
import threading
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
PIPELINE_DEPTH = 4


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
    fd, name = tempfile.mkstemp(prefix="ingest-", dir=spool_dir())
    try:
        with os.fdopen(fd, "wb", buffering=0) as spool:
            size, sha256, head = _copy_hashing(source, spool, limit)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return IncomingFile(Path(name), size, sha256, head)


def _copy_hashing(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[int, str, bytes]:
    """Read and hash on this thread while a second thread writes the previous chunk.

    SHA-256 and file writes both release the GIL, so on two cores the copy costs little more than
    hashing alone; memory stays at a few chunks whatever the file size.
    """
    free: queue.Queue = queue.Queue()
    for _ in range(PIPELINE_DEPTH):
        free.put(bytearray(CHUNK))
    pending: queue.Queue = queue.Queue()
    failure: list[BaseException] = []

    def write_chunks() -> None:
        while (item := pending.get()) is not None:
            buffer, length = item
            if not failure:
                try:
                    target.write(memoryview(buffer)[:length])
                except BaseException as exc:  # handed to the reading thread, which raises it
                    failure.append(exc)
            free.put(buffer)

    writer = threading.Thread(target=write_chunks, name="spool-writer", daemon=True)
    writer.start()
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        while not failure:
            buffer = free.get()
            length = source.readinto(buffer)
            if not length:
                break
            size += length
            if size > limit:
                raise too_large(limit)
            if len(head) < HEAD_BYTES:
                head += bytes(buffer[: min(length, HEAD_BYTES - len(head))])
            digest.update(memoryview(buffer)[:length])
            pending.put((buffer, length))
    finally:
        pending.put(None)
        writer.join()
    if failure:
        raise failure[0]
    return size, digest.hexdigest(), head


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
