"""Bytes on their way in: streamed to a spool file while hashed and measured, in constant memory.

An ``IncomingFile`` is a spooled file whose SHA-256, size and first bytes are known. It comes from a
stream (the service, the CLI) or from Django's upload machinery (``HashingUploadHandler``), so
the bytes are read exactly once on the way in.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import mmap
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
# The spool pipeline: large chunks mean few system calls and direct writes the device takes whole.
SPOOL_CHUNK = 4 * CHUNK
PIPELINE_DEPTH = 6
# A spool's first chunks stay in memory with its last ones until the probe has read them: the
# truncation proof decodes the first frame and the last GOP, and reading them back from a file
# written around the page cache costs ten times the decode (a 20 MB clip: 13-19 ms against 1.3).
HELD_HEAD_CHUNKS = 2
# Past this many bytes a spool is written around the page cache (O_DIRECT), where supported; a file
# known to be larger is written so from its first byte.
DIRECT_IO_AFTER = 8 * CHUNK
DIRECT_IO_ALIGN = 4096


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
    held: HeldChunks | None = None

    def open(self) -> BinaryIO:
        """The spooled bytes for reading: from memory where the spool still holds them."""
        if self.held is None:
            return self.path.open("rb")
        return HeldReader(self.path, self.held)

    def release(self) -> None:
        """Give the held chunks back for the next spool (the file itself stays)."""
        if self.held is not None:
            self.held.release()
            self.held = None

    def discard(self) -> None:
        self.release()
        self.path.unlink(missing_ok=True)


def spool_stream(
    source: BinaryIO, *, max_size: int | None = None, expected_size: int | None = None
) -> IncomingFile:
    """Copy ``source`` to a spool file, hashing as it goes; stop at ``max_size`` and leave nothing.

    The spool is flushed to disk before this returns: an original is durable before anything
    records it (a camera card may be wiped once its ingest reports success). ``expected_size``
    (a file on disk knows its size) lets a large file skip the page cache from its first byte; it
    is only a hint, and a wrong one costs speed, never bytes.
    """
    limit = max_size or settings.ASSET_MAX_BYTES
    fd, name = tempfile.mkstemp(prefix="ingest-", dir=spool_dir())
    held = HeldChunks()
    try:
        try:
            writer = SpoolWriter(fd, expected_size=expected_size)
            size, sha256, head = copy_hashing(source, writer, limit, held=held)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        held.release()
        Path(name).unlink(missing_ok=True)
        raise
    return IncomingFile(Path(name), size, sha256, head, held)


def spool_in_place(path: Path) -> IncomingFile:
    """A file of ours already in the spool folder (a stamped render) handed to ingest without a
    copy: hashed in one read and synced; ingest then moves it into place or removes it."""
    if not path.resolve().is_relative_to(spool_dir().resolve()):
        raise ValueError(f"{path} is not in the spool folder; spool it with spool_stream().")
    digest, view = hashlib.sha256(), memoryview(bytearray(CHUNK))
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        digest.update(head)
        while count := handle.readinto(view):
            digest.update(view[:count])
        os.fsync(handle.fileno())
        size = os.fstat(handle.fileno()).st_size
    return IncomingFile(path, size, digest.hexdigest(), head)


class SpoolWriter:
    """Writes a spool file; once it is large, whole aligned chunks bypass the page cache.

    The first ``DIRECT_IO_AFTER`` bytes go through the page cache, which suits stills and short
    clips that probing and thumbnails read back at once; a file whose ``expected_size`` is larger
    skips the cache from its first byte. Beyond that, chunks are written with ``O_DIRECT`` where
    the filesystem allows it: a camera original of many gigabytes neither evicts the cache other
    requests rely on nor leaves dirty pages for the closing fsync, so making it durable costs
    little more than writing it. (Keeping a large file's head and tail in the page cache for the
    truncation proof cost more than the proof's reading them back: buffered writes of 24 MB took
    6–87 ms from one spool to the next, direct ones a steady ~0.8 ms a megabyte. The proof reads
    them from ``HeldChunks`` instead.)
    Anywhere ``O_DIRECT`` is refused (tmpfs, some network filesystems, non-Linux systems) every
    write simply stays buffered.
    """

    def __init__(self, fd: int, *, expected_size: int | None = None, start: int = 0):
        self.fd = fd
        large = expected_size is not None and expected_size >= DIRECT_IO_AFTER
        self.direct_after = 0 if large else DIRECT_IO_AFTER
        self.written = start  # the file offset the next write lands at
        self.direct = False
        self.direct_allowed = hasattr(os, "O_DIRECT")

    def write(self, data: memoryview) -> None:
        aligned = len(data) % DIRECT_IO_ALIGN == 0 and self.written % DIRECT_IO_ALIGN == 0
        past_head = self.written >= self.direct_after
        if self.direct and not aligned:
            self._set_direct(False)
        elif not self.direct and aligned and self.direct_allowed and past_head:
            self._set_direct(True)
        while data:
            try:
                count = os.write(self.fd, data)
            except OSError as exc:
                if not (self.direct and exc.errno == errno.EINVAL):
                    raise
                self.direct_allowed = False  # the filesystem took the flag but not the write
                self._set_direct(False)
                continue
            data = data[count:]
            self.written += count

    def buffered(self) -> None:
        """From here on, writes of any size and offset (a patch, a trailer) go through the cache."""
        if self.direct:
            self._set_direct(False)
        self.direct_allowed = False

    def _set_direct(self, on: bool) -> None:
        flags = fcntl.fcntl(self.fd, fcntl.F_GETFL)
        try:
            fcntl.fcntl(
                self.fd, fcntl.F_SETFL, (flags | os.O_DIRECT) if on else (flags & ~os.O_DIRECT)
            )
        except OSError:
            self.direct_allowed = False
            return
        self.direct = on


_spare_buffers: list[list[mmap.mmap]] = []
_spare_lock = threading.Lock()
# As many sets as spools run at once (the ingest command's most jobs): a set dropped and made again
# costs its page faults anew, 17-32 ms for 32 MB on a virtual machine, a fifth of a 128 MiB ingest.
KEEP_SPARE = 8


def _take_buffers() -> list[mmap.mmap]:
    """A set of chunk buffers, reused between spools: memory a process has never touched costs a
    page fault per page on first use, which a few megabytes kept for the next file avoid."""
    with _spare_lock:
        while _spare_buffers:
            buffers = _spare_buffers.pop()
            if len(buffers) == PIPELINE_DEPTH + HELD_HEAD_CHUNKS and len(buffers[0]) == SPOOL_CHUNK:
                return buffers
    return [mmap.mmap(-1, SPOOL_CHUNK) for _ in range(PIPELINE_DEPTH + HELD_HEAD_CHUNKS)]


def _give_back(buffers: list[mmap.mmap]) -> None:
    with _spare_lock:
        if len(_spare_buffers) < KEEP_SPARE:
            _spare_buffers.append(buffers)


def _fill(source: BinaryIO, view: memoryview) -> int:
    """Read until ``view`` is full or the source ends: only the last chunk may be short, so
    direct writes stay aligned whatever sizes a stream hands out."""
    filled = 0
    while filled < len(view):
        count = source.readinto(view[filled:])
        if not count:
            break
        filled += count
    return filled


class HeldChunks:
    """The first and last chunks of a spool, still in the buffers that wrote them, by file offset.

    They are the very bytes that were hashed and written (the writes succeeded and were synced
    before anyone reads them), so reading them here is reading the file. ``release`` gives the
    buffers back for the next spool; nothing reads them afterwards.
    """

    def __init__(self):
        self.ranges: list[tuple[int, memoryview]] = []  # (offset, bytes), in file order
        self._buffers: list[mmap.mmap] | None = None

    def hold(self, buffers: list[mmap.mmap], ranges: list[tuple[int, memoryview]]) -> None:
        self._buffers = buffers
        self.ranges = sorted(ranges, key=lambda item: item[0])

    def read(self, offset: int, count: int) -> bytes | None:
        """``count`` bytes from ``offset`` if they lie in held chunks (which are contiguous
        where they meet), else None."""
        if count <= 0:
            return b""
        parts, end = [], offset + count
        for start, view in self.ranges:
            stop = start + len(view)
            if stop <= offset or start >= end:
                continue
            if start > offset:
                return None  # a gap before this chunk
            parts.append(view[offset - start : min(stop, end) - start])
            offset = min(stop, end)
            if offset == end:
                return b"".join(parts)
        return None

    def release(self) -> None:
        self.ranges = []
        if self._buffers is not None:
            _give_back(self._buffers)
            self._buffers = None


class HeldReader(io.RawIOBase):
    """A spool file read through its held chunks, falling back to the file for the rest."""

    def __init__(self, path: Path, held: HeldChunks):
        self._fd = os.open(path, os.O_RDONLY)
        self._held = held
        self._size = os.fstat(self._fd).st_size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def read(self, count: int = -1) -> bytes:
        if count is None or count < 0:
            count = max(0, self._size - self._position)
        count = min(count, max(0, self._size - self._position))
        data = self._held.read(self._position, count)
        if data is None:
            data = os.pread(self._fd, count, self._position)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def copy_hashing(
    source: BinaryIO,
    target: SpoolWriter,
    limit: int,
    digest=None,
    *,
    held: HeldChunks | None = None,
) -> tuple[int, str, bytes]:
    """Read, hash and write in three threads, each chunk passing from one to the next in order.

    Reading, SHA-256 and writing all release the GIL, so the copy costs about as much as its
    slowest stage (hashing) rather than the sum of the three; memory stays at a few page-aligned
    chunks whatever the file size. With ``held``, the first ``HELD_HEAD_CHUNKS`` chunks are kept
    out of the rotation, and they and the last chunks written are handed to it on success.
    """
    buffers = _take_buffers()
    free: queue.Queue = queue.Queue()
    for buffer in buffers if held is not None else buffers[:PIPELINE_DEPTH]:
        free.put(memoryview(buffer))
    filled: dict[int, tuple[int, memoryview]] = {}  # the buffer's id -> what it last held
    to_hash: queue.Queue = queue.Queue()
    to_write: queue.Queue = queue.Queue()
    if digest is None:  # a caller may hand in one that has hashed a head already, or its own
        digest = hashlib.sha256()
    failure: list[BaseException] = []

    def hash_chunks() -> None:
        while (item := to_hash.get()) is not None:
            view, length, _ = item
            digest.update(view[:length])
            to_write.put(item)
        to_write.put(None)

    def write_chunks() -> None:
        while (item := to_write.get()) is not None:
            view, length, offset = item
            if not failure:
                try:
                    target.write(view[:length])
                except BaseException as exc:  # handed to the reading thread, which raises it
                    failure.append(exc)
            if held is None or offset >= HELD_HEAD_CHUNKS * SPOOL_CHUNK:
                free.put(view)  # a held head chunk stays out of the rotation

    stages = [
        threading.Thread(target=hash_chunks, name="spool-hasher", daemon=True),
        threading.Thread(target=write_chunks, name="spool-writer", daemon=True),
    ]
    for stage in stages:
        stage.start()
    size, head, done = 0, b"", False
    try:
        while not failure:
            view = free.get()
            # Never read more than one byte past the limit, however large the chunk.
            length = _fill(source, view[: min(len(view), limit - size + 1)])
            if not length:
                break
            filled[id(view.obj)] = (size, view[:length])
            offset, size = size, size + length
            if size > limit:
                raise too_large(limit)
            if len(head) < HEAD_BYTES:
                head += bytes(view[: min(length, HEAD_BYTES - len(head))])
            to_hash.put((view, length, offset))
        done = not failure
    finally:
        to_hash.put(None)
        for stage in stages:
            stage.join()
        if held is not None and done and not failure:
            held.hold(buffers, list(filled.values()))
        else:
            _give_back(buffers)
    if failure:
        raise failure[0]
    return size, digest.hexdigest(), head


class HashedUpload(TemporaryUploadedFile):
    sha256: str = ""
    head: bytes = b""

    def incoming(self) -> IncomingFile:
        """Hand the spooled upload over; from here on the ingest service owns (and removes) it."""
        self.file.flush()
        os.fsync(self.file.fileno())
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
