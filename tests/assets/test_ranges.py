"""Downloads answer byte ranges: 206 with the slice, 416 for what cannot be read, 200 otherwise."""

import pytest

from assets import services
from studio.http_ranges import ByteRange, Unsatisfiable, parse_range

URL = "/api/v1/assets/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def stored(api, coordinator, production, clip):
    """A clip with its proxy, and a coordinator's client; (asset, original bytes, client)."""
    asset = services.asset_ingest(
        actor=coordinator, production=production, source=clip, filename=clip.name
    ).asset
    services.asset_make_derivatives(asset_id=asset.pk)
    api.force_login(coordinator)
    return asset, clip.read_bytes(), api


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-", ByteRange(100, 999)),
        ("bytes=-10", ByteRange(990, 999)),
        ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file is the whole file
        ("bytes=900-5000", ByteRange(900, 999)),  # an end past the file is clipped
        ("bytes=999-999", ByteRange(999, 999)),
        ("BYTES = 1 - 2", ByteRange(1, 2)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole file
        ("items=0-1", None),  # a unit we do not speak: ignored
    ],
)
def test_range_headers_are_read_as_one_clipped_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=9-3", "bytes=-", "bytes=a-b"]
)
def test_ranges_past_the_end_or_malformed_cannot_be_satisfied(header):
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


def test_an_empty_file_has_no_satisfiable_range():
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-1", 0)


def test_a_download_without_range_is_the_whole_file_and_says_it_takes_ranges(stored):
    asset, data, api = stored

    response = api.get(f"{URL}{asset.pk}/original/")

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(data))
    assert _body(response) == data


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=10-109", 10, 109), ("bytes=1000-", 1000, None), ("bytes=-64", -64, None)],
)
def test_a_range_of_the_original_is_sent_as_206_with_its_place_in_the_file(
    stored, header, start, end
):
    asset, data, api = stored
    expected = data[start : (end + 1 if end is not None else None)]
    first = start if start >= 0 else len(data) + start

    response = api.get(f"{URL}{asset.pk}/original/", HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Type"] == "video/mp4"
    assert "attachment" in response["Content-Disposition"]
    assert _body(response) == expected


def test_the_proxy_answers_ranges_like_the_original(stored):
    asset, _, api = stored
    whole = _body(api.get(f"{URL}{asset.pk}/proxy/"))

    response = api.get(f"{URL}{asset.pk}/proxy/", HTTP_RANGE="bytes=0-7")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-7/{len(whole)}"
    head = _body(response)
    assert head == whole[:8]
    assert head[4:8] == b"ftyp"


@pytest.mark.parametrize("header", ["bytes=99999999-", "bytes=5-2", "bytes=abc", "bytes=-0"])
def test_a_range_past_the_end_or_malformed_is_416_naming_the_size(stored, header):
    asset, data, api = stored

    response = api.get(f"{URL}{asset.pk}/original/", HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_a_range_that_reaches_past_the_end_is_cut_at_the_end(stored):
    asset, data, api = stored

    response = api.get(f"{URL}{asset.pk}/original/", HTTP_RANGE=f"bytes={len(data) - 3}-99999999")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {len(data) - 3}-{len(data) - 1}/{len(data)}"
    assert _body(response) == data[-3:]


@pytest.mark.parametrize("suffix", ["original/", "proxy/"])
def test_a_withdrawn_asset_is_451_even_for_a_range(stored, superuser, suffix):
    asset, _, api = stored
    services.asset_withdraw(
        actor=superuser, assets=[asset], reason="pulled", override_reason="legal says so"
    )

    response = api.get(f"{URL}{asset.pk}/{suffix}", HTTP_RANGE="bytes=0-1")

    assert response.status_code == 451
