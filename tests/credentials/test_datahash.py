"""JPEG and PNG are stamped in one streamed pass (the data-hashed workflow), and verify like any
other output; files that already carry a store go through the SDK's own signing."""

import io
import struct

import c2pa
import pytest
from PIL import Image

from assets.choices import C2paState
from assets.credentials import datahash
from assets.credentials.reading import read_credentials
from assets.credentials.stamp import stamp
from assets.synthetic import make_still
from tests.c2pa_helpers import sign_file


@pytest.fixture
def sdk_signing_refused(monkeypatch):
    """Fails the test if the SDK's generic (stream-callback) signing is used."""

    def refuse(*args, **kwargs):
        raise AssertionError("Builder.sign was called")

    monkeypatch.setattr(c2pa.Builder, "sign", refuse)


def _jpeg_segments(data: bytes) -> list[tuple[int, int]]:
    """(marker, offset) of each header segment up to the start of scan."""
    offset, segments = 2, []
    while data[offset + 1] != 0xDA:
        marker, length = data[offset + 1], struct.unpack(">H", data[offset + 2 : offset + 4])[0]
        segments.append((marker, offset))
        offset += 2 + length
    return segments


@pytest.mark.parametrize(("mime", "name"), [("image/jpeg", "out.jpg"), ("image/png", "out.png")])
def test_stills_are_stamped_without_the_sdks_stream_signing(
    tmp_path, signing, facts, sdk_signing_refused, mime, name
):
    raw = make_still(tmp_path / f"raw-{name}")

    result = stamp(source=raw, target=tmp_path / name, mime_type=mime, facts=facts, ingredients=[])
    reading = read_credentials(result.path, mime)

    assert reading.state == C2paState.TRUSTED, reading.explanations
    assert reading.manifest["manifests"][reading.active_manifest]["title"] == facts.title
    # The hash covers every byte but the store: one changed byte of picture data is found.
    data = bytearray(result.path.read_bytes())
    data[len(data) - 200] ^= 0xFF
    result.path.write_bytes(data)
    tampered = read_credentials(result.path, mime)
    assert tampered.state == C2paState.INVALID
    assert "assertion.dataHash.mismatch" in tampered.failure_codes


def test_the_jpeg_store_follows_the_jfif_segment_as_readers_expect(
    tmp_path, signing, facts, sdk_signing_refused
):
    raw = make_still(tmp_path / "raw.jpg")

    result = stamp(
        source=raw, target=tmp_path / "out.jpg", mime_type="image/jpeg", facts=facts, ingredients=[]
    )
    segments = _jpeg_segments(result.path.read_bytes())

    assert segments[0] == (0xE0, 2)  # JFIF first, untouched
    assert segments[1][0] == 0xEB  # then the C2PA store (APP11)


def test_a_large_still_goes_around_the_page_cache_and_still_verifies(
    tmp_path, signing, facts, monkeypatch, sdk_signing_refused
):
    """Direct writes start at an aligned offset after the store; the bytes must line up."""
    monkeypatch.setattr(datahash, "DIRECT_IO_AFTER", 0)
    raw = make_still(tmp_path / "raw.png", size=(1200, 900))

    result = stamp(
        source=raw, target=tmp_path / "out.png", mime_type="image/png", facts=facts, ingredients=[]
    )

    assert read_credentials(result.path, "image/png").state == C2paState.TRUSTED
    with Image.open(result.path) as stamped, Image.open(raw) as original:
        assert stamped.tobytes() == original.tobytes()


def test_a_still_that_already_carries_a_store_is_signed_by_the_sdk(tmp_path, signing, facts):
    """The SDK replaces an old store rather than leaving two; our pass would not."""
    signed = sign_file(
        signing, make_still(tmp_path / "raw.jpg"), tmp_path / "signed.jpg", "image/jpeg"
    )
    with signed.open("rb") as handle:
        assert datahash.insertion_offset(handle, "image/jpeg") is None

    result = stamp(
        source=signed,
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    )
    reading = read_credentials(result.path, "image/jpeg")

    assert reading.state == C2paState.TRUSTED, reading.explanations
    assert reading.manifest["manifests"][reading.active_manifest]["title"] == facts.title
    assert len(reading.manifest["manifests"]) == 1  # the old store was replaced, not kept


def _jpeg_with_exif() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (32, 24), "teal")
    exif = Image.Exif()
    exif[0x010F] = "Clearcut test camera"  # Make
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def test_insertion_points(tmp_path):
    exif_jpeg = _jpeg_with_exif()
    segments = _jpeg_segments(exif_jpeg)
    after_exif = [offset for marker, offset in segments if marker not in (0xE0, 0xE1)][0]
    png = make_still(tmp_path / "still.png").read_bytes()

    assert datahash.insertion_offset(io.BytesIO(exif_jpeg), "image/jpeg") == after_exif
    assert datahash.insertion_offset(io.BytesIO(png), "image/png") == 8 + 12 + 13  # after IHDR
    assert datahash.insertion_offset(io.BytesIO(b"not an image"), "image/jpeg") is None
    assert datahash.insertion_offset(io.BytesIO(png[:40]), "image/png") is None
    assert datahash.insertion_offset(io.BytesIO(png), "image/webp") is None
