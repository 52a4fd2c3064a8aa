"""JPEG, PNG, MP4 and QuickTime are stamped in one streamed pass (we hash, the SDK signs), and
verify like any other output; files that already carry a store go through the SDK's own signing."""

import hashlib
import io
import struct

import av
import c2pa
import pytest
from PIL import Image

from assets import incoming
from assets.choices import C2paState
from assets.credentials import bindings
from assets.credentials.reading import read_credentials
from assets.credentials.stamp import stamp
from assets.synthetic import make_clip, make_still
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
    monkeypatch.setattr(incoming, "DIRECT_IO_AFTER", 0)
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
        assert bindings.insertion_offset(handle, "image/jpeg") is None

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

    assert bindings.insertion_offset(io.BytesIO(exif_jpeg), "image/jpeg") == after_exif
    assert bindings.insertion_offset(io.BytesIO(png), "image/png") == 8 + 12 + 13  # after IHDR
    assert bindings.insertion_offset(io.BytesIO(b"not an image"), "image/jpeg") is None
    assert bindings.insertion_offset(io.BytesIO(png[:40]), "image/png") is None
    assert bindings.insertion_offset(io.BytesIO(png), "image/webp") is None


BMFF = [
    ("video/mp4", "out.mp4", None),
    ("video/quicktime", "out.mov", "mov"),
]


def _top_level_boxes(data: bytes) -> list[tuple[int, int, bytes]]:
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append((offset, size, kind))
        offset += size
    return boxes


@pytest.mark.parametrize(("mime", "name", "container"), BMFF, ids=[b[1] for b in BMFF])
def test_clips_are_stamped_in_one_pass_with_the_store_appended(
    tmp_path, signing, facts, monkeypatch, sdk_signing_refused, mime, name, container
):
    monkeypatch.setattr(incoming, "DIRECT_IO_AFTER", 0)  # large-file path, whatever the size
    raw = make_clip(tmp_path / f"raw-{name}", seconds=1, container_format=container)

    result = stamp(source=raw, target=tmp_path / name, mime_type=mime, facts=facts, ingredients=[])
    data = result.path.read_bytes()
    reading = read_credentials(result.path, mime)

    assert reading.state == C2paState.TRUSTED, reading.explanations
    last_offset, _, last_kind = _top_level_boxes(data)[-1]
    assert last_kind == b"uuid"
    assert data[last_offset + 8 : last_offset + 24] == bindings.C2PA_BOX_UUID
    # Everything before the store is the source, byte for byte: no offset moved.
    assert data[:last_offset] == raw.read_bytes()
    with av.open(str(result.path)) as container_:
        assert sum(1 for _ in container_.decode(video=0)) == 24

    flipped = bytearray(data)
    flipped[data.index(b"mdat") + 400] ^= 0xFF
    result.path.write_bytes(flipped)
    tampered = read_credentials(result.path, mime)
    assert tampered.state == C2paState.INVALID
    assert "assertion.bmffHash.mismatch" in tampered.failure_codes


def test_a_clip_that_already_carries_a_store_is_signed_by_the_sdk(tmp_path, signing, facts):
    signed = sign_file(
        signing, make_clip(tmp_path / "raw.mp4", seconds=1), tmp_path / "signed.mp4", "video/mp4"
    )
    with signed.open("rb") as handle:
        assert bindings.bmff_boxes(handle) is None

    result = stamp(
        source=signed,
        target=tmp_path / "out.mp4",
        mime_type="video/mp4",
        facts=facts,
        ingredients=[],
    )
    reading = read_credentials(result.path, "video/mp4")

    assert reading.state == C2paState.TRUSTED, reading.explanations
    assert len(reading.manifest["manifests"]) == 1


def test_the_bmff_hash_does_not_depend_on_how_the_bytes_arrive(tmp_path):
    data = make_clip(tmp_path / "clip.mp4", seconds=0.5).read_bytes()
    with (tmp_path / "clip.mp4").open("rb") as handle:
        boxes = bindings.bmff_boxes(handle)
    reference = hashlib.sha256()
    for box in boxes:
        if box.kind not in (b"ftyp", b"free", b"skip", b"mfra"):
            reference.update(
                struct.pack(">Q", box.offset) + data[box.offset : box.offset + box.size]
            )

    for step in (1, 7, 4096, len(data)):
        hasher = bindings.BmffHasher(boxes)
        for start in range(0, len(data), step):
            hasher.update(memoryview(data)[start : start + step])
        assert hasher.digest() == reference.digest(), step


def test_clips_whose_boxes_do_not_add_up_are_left_to_the_sdk(tmp_path):
    data = make_clip(tmp_path / "clip.mp4", seconds=0.5).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) - 10])

    last = _top_level_boxes(data)[-1][0]
    open_ended = tmp_path / "open-ended.mp4"  # the last box declared with size 0: "to the end"
    open_ended.write_bytes(data[:last] + b"\0\0\0\0" + data[last + 4 :])

    for path in (cut, open_ended):
        with path.open("rb") as handle:
            assert bindings.bmff_boxes(handle) is None, path.name
    with (tmp_path / "clip.mp4").open("rb") as handle:
        assert bindings.bmff_boxes(handle) is not None
