"""Truncated media is refused: the bytes we say we hold must decode to their end. A clip cut at
10 %, 50 % or 90 % — index first (faststart) or last — a cut image, a cut recording and a cut PDF
all answer a clear error and leave no row, no stored file and no spool file."""

import io
from pathlib import Path

import av
import numpy as np
import pytest
from django.core.exceptions import ValidationError

from assets import incoming, services
from assets.models import Asset
from assets.synthetic import make_clip, make_still

FRACTIONS = [0.1, 0.5, 0.9]


@pytest.fixture(scope="session")
def clips(media_dir) -> dict[str, Path]:
    """Three seconds each: the index at the end (as cameras write) and at the front (faststart)."""
    return {
        "moov-last": make_clip(media_dir / "cut-last.mp4", seconds=3.0, fps=24),
        "faststart": make_clip(media_dir / "cut-fast.mp4", seconds=3.0, fps=24, faststart=True),
        "mov": make_clip(
            media_dir / "cut.mov", seconds=3.0, fps=24, container_format="mov", faststart=True
        ),
    }


@pytest.fixture(scope="session")
def wav(media_dir) -> Path:
    path = media_dir / "tone.wav"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("pcm_s16le", rate=48000, layout="mono")
        samples = (np.sin(np.arange(48000 * 2) / 20) * 3000).astype(np.int16)
        for start in range(0, len(samples), 4800):
            frame = av.AudioFrame.from_ndarray(
                samples[start : start + 4800][None, :], format="s16", layout="mono"
            )
            frame.sample_rate = 48000
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


@pytest.fixture(scope="session")
def pdf(media_dir) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    path = media_dir / "release.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


@pytest.fixture(params=["whole file held", "middle read back"])
def chunking(request, monkeypatch):
    """The probe reads a spool's first and last chunks from memory and the rest from the file:
    with small chunks, a clip's middle (and, cut early, its head) comes from the disk."""
    if request.param == "middle read back":
        monkeypatch.setattr(incoming, "SPOOL_CHUNK", incoming.DIRECT_IO_ALIGN)
    return request.param


def _ingest(actor, production, data: bytes, name: str):
    return services.asset_ingest(
        actor=actor, production=production, source=io.BytesIO(data), filename=name
    )


def _assert_refused(coordinator, production, data, name, dirs, match):
    with pytest.raises(ValidationError, match=match):
        _ingest(coordinator, production, data, name)
    assert not Asset.objects.exists()
    assert dirs.originals() == []
    assert dirs.spooled() == []


@pytest.mark.parametrize("layout", ["moov-last", "faststart", "mov"])
def test_a_whole_clip_is_kept_with_its_frame_count(
    coordinator, production, clips, layout, chunking
):
    asset = _ingest(coordinator, production, clips[layout].read_bytes(), "take.mp4").asset
    assert asset.frame_count == 72
    assert abs(asset.duration_seconds - 3.0) < 0.1


@pytest.mark.parametrize("layout", ["moov-last", "faststart", "mov"])
@pytest.mark.parametrize("fraction", FRACTIONS)
def test_a_cut_clip_is_refused(coordinator, production, clips, dirs, layout, fraction, chunking):
    data = clips[layout].read_bytes()
    cut = data[: int(len(data) * fraction)]

    _assert_refused(coordinator, production, cut, "take.mp4", dirs, "truncated|corrupt|decoded")


def test_a_clip_missing_only_its_last_frames_is_refused(
    coordinator, production, clips, dirs, chunking
):
    data = clips["faststart"].read_bytes()
    _assert_refused(coordinator, production, data[:-3000], "take.mp4", dirs, "truncated")


@pytest.mark.parametrize("kind", ["jpeg", "png"])
@pytest.mark.parametrize("fraction", [0.5, 0.9, 0.99])
def test_a_cut_image_is_refused(coordinator, production, media_dir, dirs, kind, fraction):
    path = make_still(media_dir / f"cut.{kind}", size=(640, 360), format=kind.upper())
    data = path.read_bytes()

    cut = data[: int(len(data) * fraction)]

    _assert_refused(coordinator, production, cut, f"cut.{kind}", dirs, "truncated|decoded")


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_a_cut_recording_is_refused(coordinator, production, wav, dirs, fraction):
    data = wav.read_bytes()
    _assert_refused(
        coordinator, production, data[: int(len(data) * fraction)], "tone.wav", dirs, "truncated"
    )


def test_a_whole_recording_is_kept(coordinator, production, wav):
    asset = _ingest(coordinator, production, wav.read_bytes(), "tone.wav").asset
    assert abs(asset.duration_seconds - 2.0) < 0.05


def test_a_pdf_is_parsed_and_a_cut_one_refused(coordinator, production, pdf, dirs):
    data = pdf.read_bytes()
    _assert_refused(coordinator, production, data[: len(data) // 2], "r.pdf", dirs, "truncated")

    asset = _ingest(coordinator, production, data, "release.pdf").asset
    assert asset.technical["pages"] == 3


def test_heif_is_refused_as_unsupported_not_as_bad_credentials(coordinator, production, dirs):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 4096

    with pytest.raises(ValidationError) as refused:
        _ingest(coordinator, production, heic, "IMG_0001.HEIC")

    message = " ".join(refused.value.messages)
    assert "HEIF" in message
    assert "Content Credentials" not in message
    assert not Asset.objects.exists()
    assert dirs.spooled() == []


def test_a_large_clip_is_proved_whole_without_reading_the_spool_back(
    coordinator, production, media_dir, monkeypatch
):
    """The first frame lies in the spool's held head, the last and the index in its held tail: a
    48 MB clip, past what the buffers hold, is proved from memory."""
    clip = make_clip(
        media_dir / "held.mov",
        seconds=8 / 24,
        size=(1920, 1080),
        audio=False,
        codec="rawvideo",
        container_format="mov",
    )
    held = (incoming.HELD_HEAD_CHUNKS + incoming.PIPELINE_DEPTH) * incoming.SPOOL_CHUNK
    assert clip.stat().st_size > held
    from_memory, read_back = [], []
    real_read, real_pread = incoming.HeldChunks.read, incoming.os.pread

    def held_read(self, offset, count):
        data = real_read(self, offset, count)
        from_memory.append(len(data or b""))
        return data

    monkeypatch.setattr(incoming.HeldChunks, "read", held_read)
    monkeypatch.setattr(
        incoming.os, "pread", lambda fd, n, at: read_back.append(n) or real_pread(fd, n, at)
    )

    with clip.open("rb") as handle:
        asset = services.asset_ingest(
            actor=coordinator, production=production, source=handle, filename="held.mov"
        ).asset

    assert asset.frame_count == 8
    assert sum(from_memory) > 2 * 1920 * 1080 * 3  # the first frame and the last, at least
    assert read_back == []
