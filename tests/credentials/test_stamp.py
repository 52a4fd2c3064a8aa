"""Stamping our outputs and verifying them: round trips, trust, tampering, sidecars, errors."""

import datetime as dt

import pytest

from assets.choices import C2paState
from assets.credentials.config import SigningError
from assets.credentials.devcert import write_dev_chain
from assets.credentials.manifest import Ingredient
from assets.credentials.reading import read_credentials
from assets.credentials.stamp import stamp
from assets.synthetic import make_clip, make_still

FORMATS = [
    ("image/jpeg", "out.jpg", lambda p: make_still(p)),
    ("image/png", "out.png", lambda p: make_still(p)),
    ("image/webp", "out.webp", lambda p: make_still(p)),
    ("video/mp4", "out.mp4", lambda p: make_clip(p, seconds=1)),
    ("video/quicktime", "out.mov", lambda p: make_clip(p, seconds=1, container_format="mov")),
]


def _stamp(tmp_path, facts, mime, name, maker, ingredients=()):
    raw = maker(tmp_path / f"raw-{name}")
    return stamp(
        source=raw,
        target=tmp_path / name,
        mime_type=mime,
        facts=facts,
        ingredients=list(ingredients),
    )


def _read(result, mime):
    sidecar = result.sidecar.read_bytes() if result.sidecar else None
    return read_credentials(result.path, mime, manifest_data=sidecar)


@pytest.mark.parametrize(("mime", "name", "maker"), FORMATS, ids=[f[1] for f in FORMATS])
def test_each_embedding_format_round_trips_trusted(tmp_path, signing, facts, mime, name, maker):
    result = _stamp(tmp_path, facts, mime, name, maker)

    reading = _read(result, mime)

    assert result.sidecar is None
    assert reading.state == C2paState.TRUSTED, reading.explanations
    assert reading.failure_codes == []


def test_other_formats_get_a_sidecar_that_verifies(tmp_path, signing, facts):
    raw = make_clip(tmp_path / "raw.mkv", seconds=1, container_format="matroska")

    result = stamp(
        source=raw,
        target=tmp_path / "out.mkv",
        mime_type="video/x-matroska",
        facts=facts,
        ingredients=[],
    )

    assert result.sidecar.name == "out.mkv.c2pa"
    assert result.path.read_bytes() == raw.read_bytes()
    assert _read(result, "video/x-matroska").state == C2paState.TRUSTED


def test_a_changed_byte_in_a_sidecar_protected_file_is_found(tmp_path, signing, facts):
    raw = make_clip(tmp_path / "raw.mkv", seconds=1, container_format="matroska")
    result = stamp(
        source=raw,
        target=tmp_path / "out.mkv",
        mime_type="video/x-matroska",
        facts=facts,
        ingredients=[],
    )
    data = bytearray(result.path.read_bytes())
    data[-100] ^= 0xFF
    result.path.write_bytes(data)

    reading = _read(result, "video/x-matroska")

    assert reading.state == C2paState.INVALID
    assert "assertion.dataHash.mismatch" in reading.failure_codes


def test_without_our_anchor_it_is_valid_but_never_trusted(tmp_path, signing, untrusting, facts):
    result = _stamp(tmp_path, facts, *FORMATS[0])

    reading = _read(result, "image/jpeg")

    assert reading.state == C2paState.VALID
    assert "signingCredential.untrusted" in reading.failure_codes
    assert "not on our trust list" in reading.summary


@pytest.mark.parametrize(
    ("mime", "name", "maker", "code"),
    [
        ("image/jpeg", "out.jpg", lambda p: make_still(p), "assertion.dataHash.mismatch"),
        ("video/mp4", "out.mp4", lambda p: make_clip(p, seconds=1), "assertion.bmffHash.mismatch"),
    ],
)
def test_one_flipped_byte_in_the_media_is_invalid(
    tmp_path, signing, facts, mime, name, maker, code
):
    result = _stamp(tmp_path, facts, mime, name, maker)
    data = bytearray(result.path.read_bytes())
    offset = data.index(b"mdat") + 400 if mime == "video/mp4" else len(data) - 200
    data[offset] ^= 0xFF
    result.path.write_bytes(data)

    reading = _read(result, mime)

    assert reading.state == C2paState.INVALID
    assert code in reading.failure_codes


def test_one_changed_character_in_our_lineage_assertion_is_invalid(tmp_path, signing, facts):
    result = _stamp(tmp_path, facts, *FORMATS[0])
    data = bytearray(result.path.read_bytes())
    data[data.index(b"remove_object")] = ord("R")
    result.path.write_bytes(data)

    reading = _read(result, "image/jpeg")

    assert reading.state == C2paState.INVALID
    assert reading.failure_codes


def test_a_byte_in_the_signature_is_reported_invalid_not_raised(tmp_path, signing, facts):
    result = _stamp(tmp_path, facts, *FORMATS[0])
    data = bytearray(result.path.read_bytes())
    data[data.index(b"c2pa.signature") + 60] ^= 0xFF
    result.path.write_bytes(data)

    reading = _read(result, "image/jpeg")

    assert reading.state == C2paState.INVALID
    assert reading.failure_codes


def test_signing_with_an_expired_leaf_is_a_clear_error(tmp_path, settings, facts):
    old = write_dev_chain(
        tmp_path / "old", leaf_days=1, not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    )
    settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY = str(old.chain_pem), str(old.key_pem)
    raw = make_still(tmp_path / "raw.jpg")

    with pytest.raises(SigningError, match="expired on"):
        stamp(
            source=raw,
            target=tmp_path / "out.jpg",
            mime_type="image/jpeg",
            facts=facts,
            ingredients=[],
        )

    assert not (tmp_path / "out.jpg").exists()


def test_no_signing_configuration_is_a_clear_error(tmp_path, settings, facts):
    settings.C2PA_SIGNING_CHAIN = settings.C2PA_SIGNING_KEY = None
    settings.C2PA_DEV_DEFAULTS = False

    with pytest.raises(SigningError, match="C2PA_SIGNING_CHAIN"):
        stamp(
            source=make_still(tmp_path / "raw.jpg"),
            target=tmp_path / "o.jpg",
            mime_type="image/jpeg",
            facts=facts,
            ingredients=[],
        )


def test_an_input_with_credentials_keeps_them_as_its_ingredient(tmp_path, signing, facts):
    first = _stamp(tmp_path, facts, "image/jpeg", "first.jpg", lambda p: make_still(p, seed=1))
    parent = Ingredient("first.jpg", "image/jpeg", str(first.path), "parentOf")

    second = _stamp(
        tmp_path, facts, "image/jpeg", "second.jpg", lambda p: make_still(p, seed=2), [parent]
    )
    reading = _read(second, "image/jpeg")

    tree = reading.as_dict()["chain"]
    assert reading.state == C2paState.TRUSTED
    assert len(reading.manifest["manifests"]) == 2
    assert tree["ingredients"][0]["relationship"] == "parentOf"
    assert tree["ingredients"][0]["manifest"]["title"] == "output"
