"""Reading without false alarms: stores are found by the container's structure, a remote manifest is
"not verified", an ingredient's failed validation shows on that ingredient, and bad files get a
clear state, never an error."""

import pytest

from assets.choices import AssetStatus, C2paState
from assets.credentials import containers, read_credentials
from assets.credentials.manifest import Ingredient
from assets.credentials.stamp import stamp
from assets.services import asset_ingest
from assets.synthetic import make_still
from tests.c2pa_helpers import (
    break_signature,
    flip_byte,
    jpeg_insert,
    jpeg_segment,
    jpeg_store,
    jpeg_without_store,
    sign_file,
    sign_remote,
    xmp_provenance,
)

COMMENT = 0xFE
APP1 = 0xE1


@pytest.fixture
def camera(tmp_path, signing):
    """A camera original signed by a signer we trust."""
    return sign_file(signing, make_still(tmp_path / "raw.jpg"), tmp_path / "cam.jpg", "image/jpeg")


def _ingest(superuser, production, path):
    return asset_ingest(
        actor=superuser, production=production, source=path, filename=path.name
    ).asset


def _verify(api, superuser, path):
    api.force_login(superuser)
    with path.open("rb") as handle:
        return api.post("/api/v1/credentials/verify", {"file": handle}, format="multipart")


def test_a_plain_jpeg_whose_comment_says_jumbf_c2pa_has_none(tmp_path, superuser, production, api):
    raw = make_still(tmp_path / "raw.jpg").read_bytes()
    path = tmp_path / "comment.jpg"
    path.write_bytes(jpeg_insert(raw, jpeg_segment(COMMENT, b"jumbf c2pa jumb c2pa.signature")))

    asset = _ingest(superuser, production, path)
    response = _verify(api, superuser, path)

    assert (asset.c2pa_state, asset.status, asset.c2pa_failure_codes) == (
        C2paState.NONE,
        AssetStatus.ACTIVE,
        [],
    )
    assert (response.status_code, response.json()["state"]) == (200, "none")


def test_a_jpeg_whose_store_was_stripped_but_xmp_kept_has_none(
    tmp_path, camera, superuser, production
):
    label = read_credentials(camera, "image/jpeg").active_manifest
    stripped = jpeg_without_store(camera.read_bytes())
    path = tmp_path / "stripped.jpg"
    path.write_bytes(
        jpeg_insert(stripped, jpeg_segment(APP1, xmp_provenance(f"self#jumbf=/c2pa/{label}")))
    )

    asset = _ingest(superuser, production, path)

    assert (asset.c2pa_state, asset.status) == (C2paState.NONE, AssetStatus.ACTIVE)


def test_a_remote_manifest_is_not_verified_rather_than_damaged(
    tmp_path, signing, superuser, production, api
):
    url = "https://credentials.example.com/m/1.c2pa"
    path = sign_remote(signing, make_still(tmp_path / "raw.jpg"), tmp_path / "remote.jpg", url)

    reading = read_credentials(path, "image/jpeg")
    asset = _ingest(superuser, production, path)
    body = _verify(api, superuser, path).json()

    assert (reading.state, reading.failure_codes, reading.remote_url) == (
        C2paState.REMOTE,
        ["manifest.inaccessible"],
        url,
    )
    assert reading.summary.startswith("Not verified: the manifest is stored remotely")
    assert (asset.c2pa_state, asset.status) == (C2paState.REMOTE, AssetStatus.ACTIVE)
    assert (body["state"], body["remote_url"]) == ("remote", url)


def test_a_jpeg_the_sdk_cannot_parse_without_a_store_is_not_a_credentials_failure(tmp_path):
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8" + jpeg_segment(0xE0, b"JFIF\x00\x01\x01") + b"\x00" * 300)

    assert read_credentials(path, "image/jpeg").state == C2paState.NONE


@pytest.mark.parametrize(("suffix", "mime_type"), [("jpg", "image/jpeg"), ("png", "image/png")])
def test_a_store_the_sdk_cannot_recognise_is_found_by_the_container(
    tmp_path, signing, monkeypatch, suffix, mime_type
):
    import c2pa

    plain = make_still(tmp_path / f"raw.{suffix}")
    signed = sign_file(signing, plain, tmp_path / f"signed.{suffix}", mime_type)
    monkeypatch.setattr(c2pa.Reader, "try_create", lambda *args, **kwargs: None)

    assert read_credentials(plain, mime_type).state == C2paState.NONE
    damaged = read_credentials(signed, mime_type)
    assert (damaged.state, damaged.failure_codes) == (C2paState.INVALID, ["manifest.unreadable"])


@pytest.mark.parametrize(
    ("suffix", "mime_type", "format_"),
    [("jpg", "image/jpeg", None), ("png", "image/png", None), ("webp", "image/webp", "WEBP")],
)
def test_the_container_walk_finds_exactly_the_signed_store(
    tmp_path, signing, suffix, mime_type, format_
):
    plain = make_still(tmp_path / f"raw.{suffix}", format=format_)
    signed = sign_file(signing, plain, tmp_path / f"signed.{suffix}", mime_type)

    assert containers.scan(plain, mime_type) == containers.Scan((), complete=True)
    found = containers.scan(signed, mime_type)
    assert (len(found.stores), found.complete) == (1, True)


def test_an_ingredient_with_a_bad_signature_shows_its_codes_on_that_ingredient(
    tmp_path, camera, facts, superuser, production, api, client
):
    break_signature(camera)
    assert read_credentials(camera, "image/jpeg").state == C2paState.INVALID
    result = stamp(
        source=make_still(tmp_path / "render.jpg", seed=2),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[Ingredient("cam.jpg", "image/jpeg", str(camera), "parentOf")],
    )

    reading = read_credentials(result.path, "image/jpeg")
    asset = _ingest(superuser, production, result.path)
    api.force_login(superuser)
    body = api.get(f"/api/v1/assets/{asset.pk}/credentials/").json()
    client.force_login(superuser)
    page = client.get(f"/admin/assets/asset/{asset.pk}/credentials/").content.decode()

    assert reading.state == C2paState.INGREDIENT_FAILED
    assert reading.signer_trusted
    assert "claimSignature.mismatch" in reading.failure_codes
    assert (asset.c2pa_state, asset.status) == (C2paState.INGREDIENT_FAILED, AssetStatus.ACTIVE)
    assert body["state"] == "ingredient_failed"
    ingredient = body["chain"]["ingredients"][0]
    assert ingredient["validation"]["state"] == "invalid"
    assert "claimSignature.mismatch" in ingredient["validation"]["failure_codes"]
    assert "signingCredential.untrusted" not in ingredient["validation"]["failure_codes"]
    assert 'class="ingredient-codes">claimSignature.mismatch' in page


def test_a_valid_ingredient_reads_clean(tmp_path, camera, facts):
    result = stamp(
        source=make_still(tmp_path / "render.jpg", seed=2),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[Ingredient("cam.jpg", "image/jpeg", str(camera), "parentOf")],
    )

    reading = read_credentials(result.path, "image/jpeg")

    assert reading.state == C2paState.TRUSTED
    assert reading.as_dict()["chain"]["ingredients"][0]["validation"] == {
        "state": "trusted",
        "failure_codes": [],
    }


def test_quarantine_reasons_list_failures_not_the_untrusted_signer(
    tmp_path, superuser, production, chain
):
    signed = sign_file(chain, make_still(tmp_path / "raw.jpg"), tmp_path / "s.jpg", "image/jpeg")
    before = read_credentials(signed, "image/jpeg")
    flip_byte(signed, -200)

    asset = _ingest(superuser, production, signed)

    assert (before.state, before.failure_codes) == (
        C2paState.VALID,
        ["signingCredential.untrusted"],
    )
    assert asset.status == AssetStatus.QUARANTINED
    assert asset.c2pa_failure_codes == ["assertion.dataHash.mismatch"]
    assert "signingCredential.untrusted" not in asset.status_reason


def _two_stores(tmp_path, camera, signing, *_):
    other = sign_file(
        signing, make_still(tmp_path / "b.jpg", seed=3), tmp_path / "b-signed.jpg", "image/jpeg"
    )
    path = tmp_path / "two.jpg"
    path.write_bytes(jpeg_insert(camera.read_bytes(), jpeg_store(other.read_bytes())))
    return path


def _after_the_image(tmp_path, camera, signing, *_):
    data = camera.read_bytes()
    path = tmp_path / "trailing.jpg"
    path.write_bytes(jpeg_without_store(data) + jpeg_store(data))
    return path


def _unknown_assertion(tmp_path, camera, signing, *_):
    return sign_file(
        signing,
        make_still(tmp_path / "u.jpg"),
        tmp_path / "unknown.jpg",
        "image/jpeg",
        extra_assertions=({"label": "com.example.unheard-of", "data": {"x": [1, 2]}},),
    )


@pytest.mark.parametrize(
    ("make", "state", "status"),
    [
        (_two_stores, C2paState.INVALID, AssetStatus.QUARANTINED),
        (_after_the_image, C2paState.NONE, AssetStatus.ACTIVE),
        (_unknown_assertion, C2paState.TRUSTED, AssetStatus.ACTIVE),
    ],
    ids=["two stores", "a store after the image", "an unknown assertion"],
)
def test_odd_stores_get_a_clear_state_never_an_error(
    tmp_path, camera, signing, superuser, production, api, make, state, status
):
    path = make(tmp_path, camera, signing)

    response = _verify(api, superuser, path)
    asset = _ingest(superuser, production, path)

    assert response.status_code == 200
    assert response.json()["state"] == state
    assert (asset.c2pa_state, asset.status) == (state, status)


def test_two_stores_are_named_in_the_explanations(tmp_path, camera, signing):
    reading = read_credentials(_two_stores(tmp_path, camera, signing), "image/jpeg")

    assert "2 C2PA manifest stores" in " ".join(reading.explanations)


def _intact(tmp_path, camera, signing, facts):
    return camera


def _pixels_changed(tmp_path, camera, signing, facts):
    return flip_byte(camera, -200)


def _signature_broken(tmp_path, camera, signing, facts):
    return break_signature(camera)


def _with_failed_ingredient(tmp_path, camera, signing, facts):
    break_signature(camera)
    return stamp(
        source=make_still(tmp_path / "render.jpg", seed=2),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[Ingredient("cam.jpg", "image/jpeg", str(camera), "parentOf")],
    ).path


def _lineage_changed(tmp_path, camera, signing, facts):
    path = stamp(
        source=make_still(tmp_path / "render.jpg", seed=2),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    ).path
    data = bytearray(path.read_bytes())
    data[data.index(b"remove_object")] = ord("R")
    path.write_bytes(data)
    return path


def _untrusted(tmp_path, camera, signing, facts):
    from assets.credentials.devcert import write_dev_chain

    other = write_dev_chain(tmp_path / "other")
    return sign_file(other, make_still(tmp_path / "o.jpg"), tmp_path / "o-signed.jpg", "image/jpeg")


@pytest.mark.parametrize(
    "make",
    [
        _intact,
        _pixels_changed,
        _signature_broken,
        _with_failed_ingredient,
        _lineage_changed,
        _untrusted,
        _two_stores,
        _unknown_assertion,
    ],
)
def test_a_large_jpeg_read_in_one_stream_reads_as_the_whole_file_read(
    tmp_path, camera, signing, facts, monkeypatch, make
):
    """Large JPEGs: the SDK reads the header, the hard binding is hashed here in a stream. Every
    case reads exactly as the SDK's whole-file read does."""
    from assets.credentials import reading as module

    path = make(tmp_path, camera, signing, facts)
    whole = read_credentials(path, "image/jpeg")
    monkeypatch.setattr(module, "STREAMED_MIN_BYTES", 0)
    calls = []
    original = module._data_hash_matches
    monkeypatch.setattr(module, "_data_hash_matches", lambda *a: calls.append(a) or original(*a))

    streamed = read_credentials(path, "image/jpeg")

    assert (streamed.state, streamed.failure_codes, streamed.active_manifest) == (
        whole.state,
        whole.failure_codes,
        whole.active_manifest,
    )
    assert streamed.as_dict()["chain"] == whole.as_dict()["chain"]
    assert bool(calls) == (make is not _two_stores)  # two stores: left to the whole-file read
