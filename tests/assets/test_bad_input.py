"""Bad input is refused with a clear error and leaves nothing behind: no row, no stored file, no spool."""

import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.test.client import BOUNDARY, MULTIPART_CONTENT

from assets import services
from assets.incoming import CHUNK
from assets.models import Asset
from studio.exceptions import PayloadTooLarge

URL = "/api/v1/assets/"
PROBLEM = "application/problem+json"


@pytest.fixture
def samples(clip, still) -> dict[str, bytes]:
    """Byte strings that must never become an asset."""
    footage, picture = clip.read_bytes(), still.read_bytes()
    return {
        "empty": b"",
        "truncated_mp4": footage[: len(footage) // 2],
        "truncated_jpeg": picture[: len(picture) // 2],
        "random_bytes": random.Random(7).randbytes(64 * 1024),  # noqa: S311  (test data, not a secret)
        "text": b"INT. KITCHEN - NIGHT\nNot footage at all.\n" * 100,
    }


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real 400-megapixel, one-colour, 1-bit PNG: tens of kilobytes on disk, 50 MB unpacked.

    Written chunk by chunk because building it with Pillow would need the full raster in memory.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def multipart(filename: str, content: bytes, **fields: str) -> bytes:
    """A multipart body with the fields first and the file last, its name sent exactly as given."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    file_head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    return "".join([*parts, file_head]).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post(client, body: bytes):
    return client.generic("POST", URL, body, content_type=MULTIPART_CONTENT)


def _ingest(actor, production, data: bytes, filename: str = "upload.mp4", **kwargs):
    return services.asset_ingest(
        actor=actor, production=production, source=io.BytesIO(data), filename=filename, **kwargs
    )


def assert_nothing_left(dirs):
    assert not Asset.objects.exists()
    assert dirs.originals() == []
    assert dirs.spooled() == []


@pytest.mark.parametrize(
    "name", ["empty", "truncated_mp4", "truncated_jpeg", "random_bytes", "text"]
)
def test_the_service_refuses_bytes_it_cannot_keep(coordinator, production, samples, dirs, name):
    with pytest.raises(ValidationError) as refused:
        _ingest(coordinator, production, samples[name])

    assert "file" in refused.value.message_dict
    assert_nothing_left(dirs)


@pytest.mark.parametrize(
    "name", ["empty", "truncated_mp4", "truncated_jpeg", "random_bytes", "text"]
)
def test_the_api_refuses_bytes_it_cannot_keep(api, coordinator, samples, dirs, name):
    api.force_login(coordinator)

    response = _post(api, multipart("upload.mp4", samples[name], production="ALPHA"))

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["file"]
    assert_nothing_left(dirs)


def test_an_image_over_the_pixel_limit_is_refused(coordinator, production, still, settings, dirs):
    settings.ASSET_MAX_IMAGE_PIXELS = 10_000

    with pytest.raises(ValidationError, match="10000 pixels"):
        _ingest(coordinator, production, still.read_bytes(), filename="still.jpg")

    assert_nothing_left(dirs)


def test_a_decompression_bomb_is_refused_under_the_default_limit(api, coordinator, dirs):
    bomb = png_bomb()
    assert len(bomb) < 200_000
    api.force_login(coordinator)

    response = _post(api, multipart("bomb.png", bomb, production="ALPHA"))

    assert response.status_code == 400, response.content
    assert "pixels" in response.json()["errors"][0]["message"]
    assert_nothing_left(dirs)


@pytest.mark.parametrize(
    "filename",
    ["../x.mp4", "..\\x.mp4", "cards/a/x.mp4", "a\x00b.mp4", "tab\there.mp4", "x" * 296 + ".mp4"],
)
def test_the_service_refuses_names_that_are_not_plain(
    coordinator, production, clip, dirs, filename
):
    with pytest.raises(ValidationError) as refused:
        _ingest(coordinator, production, clip.read_bytes(), filename=filename)

    assert "file" in refused.value.message_dict
    assert_nothing_left(dirs)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("../../etc/x.mp4", "x.mp4"), ("a\x00b.mp4", "ab.mp4"), ("C:\\cards\\x.mp4", "x.mp4")],
)
def test_the_api_keeps_only_a_plain_name(api, coordinator, clip, dirs, sent, kept):
    api.force_login(coordinator)

    response = _post(api, multipart(sent, clip.read_bytes(), production="ALPHA"))

    assert response.status_code == 201, response.content
    assert Asset.objects.get().original_filename == kept
    assert dirs.spooled() == []


def test_the_api_shortens_an_overlong_name_keeping_its_extension(api, coordinator, clip):
    api.force_login(coordinator)

    response = _post(api, multipart("x" * 296 + ".mp4", clip.read_bytes(), production="ALPHA"))

    assert response.status_code == 201, response.content
    name = Asset.objects.get().original_filename
    assert (len(name), name[-4:]) == (255, ".mp4")


class CountingStream(io.RawIOBase):
    """A large stream that counts how much of it was read."""

    def __init__(self, size: int):
        self.left, self.read_total = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left, 64 * 1024)
        buffer[:count] = b"\x00" * count
        self.left -= count
        self.read_total += count
        return count


def test_the_service_stops_reading_at_the_size_limit(coordinator, production, settings, dirs):
    settings.ASSET_MAX_BYTES = 1000
    source = CountingStream(64 * CHUNK)

    with pytest.raises(PayloadTooLarge, match="1000 bytes"):
        services.asset_ingest(
            actor=coordinator, production=production, source=source, filename="big.mp4"
        )

    assert source.read_total == 1001  # one byte past the limit, then no more
    assert_nothing_left(dirs)


def test_the_api_answers_413_for_a_file_over_the_limit(api, coordinator, clip, settings, dirs):
    settings.ASSET_MAX_BYTES = 1000
    api.force_login(coordinator)

    response = _post(api, multipart("clip.mp4", clip.read_bytes(), production="ALPHA"))

    assert response.status_code == 413, response.content
    assert response["Content-Type"] == PROBLEM
    assert "1000 bytes" in response.json()["detail"]
    assert_nothing_left(dirs)


def test_the_api_answers_413_to_a_token_client_too(
    token_client, coordinator, production, clip, settings, dirs
):
    settings.ASSET_MAX_BYTES = 1000
    client = token_client(coordinator, [production], can_write=True)

    response = _post(client, multipart("clip.mp4", clip.read_bytes(), production="ALPHA"))

    assert response.status_code == 413, response.content
    assert response["Content-Type"] == PROBLEM
    assert_nothing_left(dirs)


def test_an_upload_cut_off_half_way_leaves_nothing(api, coordinator, clip, dirs):
    api.force_login(coordinator)
    body = multipart("clip.mp4", clip.read_bytes(), production="ALPHA", origin="dailies")

    response = _post(api, body[: len(body) // 2])

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert_nothing_left(dirs)


def test_an_unknown_origin_is_refused_by_the_api(api, coordinator, clip, dirs):
    api.force_login(coordinator)

    response = _post(api, multipart("clip.mp4", clip.read_bytes(), production="ALPHA", origin="x"))

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["origin"]
    assert_nothing_left(dirs)


def test_an_unknown_origin_is_refused_by_the_service(coordinator, production, clip, dirs):
    with pytest.raises(ValidationError) as refused:
        _ingest(coordinator, production, clip.read_bytes(), origin="youtube")

    assert "origin" in refused.value.message_dict
    assert_nothing_left(dirs)


def test_an_unknown_field_is_refused_and_the_upload_removed(api, coordinator, clip, dirs):
    api.force_login(coordinator)

    response = _post(api, multipart("clip.mp4", clip.read_bytes(), production="ALPHA", tags="x"))

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "tags", "message": "Unknown field."}]
    assert_nothing_left(dirs)
