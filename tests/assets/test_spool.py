"""The spool: bytes copied once, hashed on the way, on disk before anything records them."""

import errno
import hashlib
import io
import mmap
import os
import random

import pytest

from assets import incoming
from assets.sniff import HEAD_BYTES
from studio.exceptions import PayloadTooLarge


class ChoppyStream:
    """Hands out reads of an awkward size, as a socket or a pipe does."""

    def __init__(self, data: bytes, step: int):
        self.data, self.step, self.position = data, step, 0

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.step, len(self.data) - self.position)
        buffer[:count] = self.data[self.position : self.position + count]
        self.position += count
        return count


class RecordingWriter(incoming.SpoolWriter):
    """Counts the chunks that went around the page cache and those that did not."""

    last = None

    def __init__(self, fd: int, **kwargs):
        super().__init__(fd, **kwargs)
        self.direct_chunks = self.buffered_chunks = 0
        RecordingWriter.last = self

    def write(self, data) -> None:
        super().write(data)
        if self.direct:
            self.direct_chunks += 1
        else:
            self.buffered_chunks += 1


def direct_io_works(folder) -> bool:
    """Whether this filesystem takes O_DIRECT writes (ext4 and XFS do; tmpfs does not)."""
    if not hasattr(os, "O_DIRECT"):
        return False
    path = folder / "direct-probe"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
    except OSError:
        return False
    try:
        os.write(fd, mmap.mmap(-1, incoming.DIRECT_IO_ALIGN))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
        path.unlink()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks and the direct-I/O threshold scaled down, so a few megabytes cross them all."""
    monkeypatch.setattr(incoming, "SPOOL_CHUNK", 256 * 1024)
    monkeypatch.setattr(incoming, "DIRECT_IO_AFTER", 512 * 1024)
    monkeypatch.setattr(incoming, "SpoolWriter", RecordingWriter)


@pytest.fixture
def payload() -> bytes:
    # Not a multiple of the alignment: the last chunk must be written another way.
    return random.Random(3).randbytes(3 * 1024 * 1024 + 123)  # noqa: S311  (test data)


def test_a_choppy_stream_is_spooled_whole_with_its_hash(small_chunks, payload, dirs):
    spooled = incoming.spool_stream(ChoppyStream(payload, step=65_537))

    assert spooled.path.read_bytes() == payload
    assert spooled.sha256 == hashlib.sha256(payload).hexdigest()
    assert spooled.size == len(payload)
    assert spooled.head == payload[:HEAD_BYTES]
    assert spooled.path.parent == dirs.spool


def test_large_spools_go_around_the_page_cache_where_the_filesystem_allows(
    small_chunks, payload, dirs
):
    incoming.spool_stream(ChoppyStream(payload, step=65_537))
    writer = RecordingWriter.last

    # The first 512 KiB (two chunks) are buffered, and so is the unaligned tail.
    if direct_io_works(dirs.spool):
        assert writer.buffered_chunks == 3
        assert writer.direct_chunks == 10
    else:
        assert writer.direct_chunks == 0


def test_a_filesystem_that_refuses_the_flag_gets_buffered_writes(
    small_chunks, payload, dirs, monkeypatch
):
    real_fcntl = incoming.fcntl.fcntl

    def refuse_direct(fd, command, flags=0):
        if command == incoming.fcntl.F_SETFL and flags & getattr(os, "O_DIRECT", 0):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_fcntl(fd, command, flags)

    monkeypatch.setattr(incoming.fcntl, "fcntl", refuse_direct)

    spooled = incoming.spool_stream(ChoppyStream(payload, step=1 << 20))

    assert spooled.path.read_bytes() == payload
    assert RecordingWriter.last.direct_chunks == 0


@pytest.mark.skipif(not hasattr(os, "O_DIRECT"), reason="O_DIRECT is a Linux flag")
def test_a_filesystem_that_takes_the_flag_but_refuses_the_write_gets_buffered_writes(
    small_chunks, payload, dirs, monkeypatch
):
    real_write, refused = os.write, []

    def refuse_direct_writes(fd, data):
        if incoming.fcntl.fcntl(fd, incoming.fcntl.F_GETFL) & os.O_DIRECT:
            refused.append(len(data))
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_write(fd, data)

    monkeypatch.setattr(incoming.os, "write", refuse_direct_writes)

    spooled = incoming.spool_stream(ChoppyStream(payload, step=1 << 20))

    assert spooled.path.read_bytes() == payload
    assert refused == [256 * 1024]  # tried once, then never again for this file
    assert RecordingWriter.last.direct_allowed is False


def test_the_spool_is_synced_once_everything_is_written(dirs, monkeypatch):
    sizes_when_synced = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        sizes_when_synced.append(os.fstat(fd).st_size)
        real_fsync(fd)

    monkeypatch.setattr(incoming.os, "fsync", recording_fsync)

    incoming.spool_stream(ChoppyStream(b"camera original", step=4))

    assert sizes_when_synced == [len(b"camera original")]


def test_a_write_failure_stops_the_copy_and_leaves_no_spool(
    small_chunks, payload, dirs, monkeypatch
):
    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(incoming.os, "write", disk_full)
    stream = ChoppyStream(payload, step=1 << 20)

    with pytest.raises(OSError, match="No space left"):
        incoming.spool_stream(stream)

    assert dirs.spooled() == []
    # Reading stops at the first failed write: at most one chunk past what the pipeline holds
    # (its rotation and the head chunks it keeps for the probe).
    in_memory = incoming.PIPELINE_DEPTH + incoming.HELD_HEAD_CHUNKS
    assert stream.position <= (in_memory + 1) * incoming.SPOOL_CHUNK < len(payload)


def test_a_file_known_to_be_large_goes_around_the_page_cache_from_its_first_byte(
    small_chunks, payload, dirs
):
    spooled = incoming.spool_stream(ChoppyStream(payload, step=65_537), expected_size=len(payload))
    writer = RecordingWriter.last

    assert spooled.path.read_bytes() == payload
    if direct_io_works(dirs.spool):
        # Every whole chunk is written directly; only the unaligned rest goes through the cache.
        assert writer.buffered_chunks == 1
        assert writer.direct_chunks == 12
    else:
        assert writer.direct_chunks == 0


def test_a_wrong_size_hint_costs_no_bytes(small_chunks, payload, dirs):
    for hint in (1, len(payload) // 2, len(payload) * 4):
        spooled = incoming.spool_stream(ChoppyStream(payload, step=65_537), expected_size=hint)

        assert spooled.path.read_bytes() == payload
        assert spooled.sha256 == hashlib.sha256(payload).hexdigest()


def test_a_stream_over_the_limit_stops_one_byte_past_it(small_chunks, dirs):
    stream = ChoppyStream(b"\0" * (2 * 1024 * 1024), step=1 << 20)

    with pytest.raises(PayloadTooLarge):
        incoming.spool_stream(stream, max_size=300_000)

    assert stream.position == 300_001
    assert dirs.spooled() == []


def test_a_file_of_ours_in_the_spool_folder_is_taken_as_it_is(payload, dirs, tmp_path):
    render = dirs.spool / "render.png"
    render.write_bytes(payload)

    taken = incoming.spool_in_place(render)

    assert taken.path == render
    assert taken.sha256 == hashlib.sha256(payload).hexdigest()
    assert taken.size == len(payload)
    assert taken.head == payload[:HEAD_BYTES]
    assert dirs.spooled() == [render]  # no copy


def test_a_file_outside_the_spool_folder_is_not_taken_in_place(payload, dirs, tmp_path):
    elsewhere = tmp_path / "elsewhere.png"
    elsewhere.write_bytes(payload)

    with pytest.raises(ValueError, match="not in the spool folder"):
        incoming.spool_in_place(elsewhere)


def test_ingest_reads_the_size_hint_from_a_regular_file_only(tmp_path):
    from assets.services.ingest import _sequential_file_size

    clip = tmp_path / "clip.mov"
    clip.write_bytes(b"\0" * 5000)
    read, write = os.pipe()
    try:
        with clip.open("rb") as handle, os.fdopen(read, "rb") as pipe:
            assert _sequential_file_size(handle) == 5000
            assert _sequential_file_size(pipe) is None
    finally:
        os.close(write)
    assert _sequential_file_size(io.BytesIO(b"upload")) is None
    assert _sequential_file_size(ChoppyStream(b"socket", step=2)) is None


def test_a_spool_reads_its_first_and_last_chunks_from_memory(small_chunks, payload, dirs):
    spooled = incoming.spool_stream(ChoppyStream(payload, step=65_537))
    chunk = incoming.SPOOL_CHUNK
    held_head = incoming.HELD_HEAD_CHUNKS * chunk
    last_chunk = len(payload) // chunk * chunk
    held_tail = last_chunk - (incoming.PIPELINE_DEPTH - 1) * chunk
    from_disk = []
    real_pread = incoming.os.pread

    def pread(fd, count, offset):
        from_disk.append((offset, count))
        return real_pread(fd, count, offset)

    with spooled.open() as reader, pytest.MonkeyPatch.context() as patch:
        patch.setattr(incoming.os, "pread", pread)
        reader.seek(0)
        assert reader.read(held_head) == payload[:held_head]
        reader.seek(held_tail)
        assert reader.read() == payload[held_tail:]
        reader.seek(-10, os.SEEK_END)
        assert reader.read(100) == payload[-10:]
        assert reader.read(5) == b""
        assert from_disk == []
        # Across the head's end, and in the middle: from the file.
        reader.seek(held_head - 7)
        assert reader.read(20) == payload[held_head - 7 : held_head + 13]
        assert from_disk == [(held_head - 7, 20)]
        reads = [(o, c) for o in range(0, len(payload), 99_991) for c in (1, 4096, 700_001)]
        for offset, count in random.Random(5).sample(reads, 12):  # noqa: S311  (test data)
            reader.seek(offset)
            assert reader.read(count) == payload[offset : offset + count]

    spooled.discard()
    assert dirs.spooled() == []


def test_held_chunks_go_back_for_the_next_spool_once_released(small_chunks, payload, dirs):
    incoming._spare_buffers.clear()
    spooled = incoming.spool_stream(ChoppyStream(payload, step=65_537))
    assert spooled.held is not None
    assert incoming._spare_buffers == []  # still read by the probe

    spooled.release()

    assert spooled.held is None
    assert len(incoming._spare_buffers) == 1
    with spooled.open() as reader:  # the file itself, as any other
        assert reader.read() == payload
    spooled.discard()


def test_a_failed_copy_holds_nothing(small_chunks, dirs):
    incoming._spare_buffers.clear()
    with pytest.raises(PayloadTooLarge):
        incoming.spool_stream(ChoppyStream(b"x" * 2_000_000, step=65_537), max_size=1_000_000)
    assert len(incoming._spare_buffers) == 1
    assert dirs.spooled() == []
