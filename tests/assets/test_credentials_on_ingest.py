"""Content Credentials already in a file are read and validated on ingest; invalid ones quarantine."""

import pytest

from assets.choices import AssetStatus, C2paState
from assets.services import asset_ingest
from assets.synthetic import make_clip, make_still
from tests.c2pa_helpers import dev_chain, flip_byte, sign_file


@pytest.fixture
def chain(tmp_path):
    return dev_chain(tmp_path / "pki")


@pytest.fixture
def signed_still(tmp_path, chain):
    return sign_file(chain, make_still(tmp_path / "raw.jpg"), tmp_path / "signed.jpg", "image/jpeg")


@pytest.fixture
def trusting(settings, chain):
    settings.C2PA_TRUST_ANCHORS = str(chain.root_pem)


def _ingest(superuser, production, path):
    return asset_ingest(
        actor=superuser, production=production, source=path, filename=path.name
    ).asset


def test_credentials_from_a_trusted_signer_are_trusted(
    superuser, production, signed_still, trusting
):
    asset = _ingest(superuser, production, signed_still)

    assert asset.c2pa_state == C2paState.TRUSTED
    assert asset.c2pa_active_manifest.startswith("urn:c2pa:")
    assert (
        asset.c2pa_manifest["manifests"][asset.c2pa_active_manifest]["title"] == "camera original"
    )
    assert asset.status == AssetStatus.ACTIVE


def test_an_unknown_signer_is_valid_but_never_trusted(superuser, production, signed_still):
    asset = _ingest(superuser, production, signed_still)

    assert asset.c2pa_state == C2paState.VALID
    assert "signingCredential.untrusted" in asset.c2pa_failure_codes
    assert asset.status == AssetStatus.ACTIVE


def test_tampered_pixels_are_ingested_quarantined_with_the_failure_code(
    api, superuser, production, signed_still, trusting
):
    flip_byte(signed_still, -200)

    asset = _ingest(superuser, production, signed_still)
    api.force_login(superuser)
    shown = api.get(f"/api/v1/assets/{asset.pk}/").json()

    assert asset.status == AssetStatus.QUARANTINED
    assert asset.c2pa_state == C2paState.INVALID
    assert "assertion.dataHash.mismatch" in asset.c2pa_failure_codes
    assert "assertion.dataHash.mismatch" in asset.status_reason
    assert shown["status"] == "quarantined"
    assert "assertion.dataHash.mismatch" in shown["c2pa_failure_codes"]


def test_a_corrupted_manifest_store_is_invalid_not_an_error(
    superuser, production, signed_still, trusting
):
    data = signed_still.read_bytes()
    flip_byte(signed_still, data.index(b"c2pa.signature") + 40)

    asset = _ingest(superuser, production, signed_still)

    assert asset.c2pa_state == C2paState.INVALID
    assert asset.status == AssetStatus.QUARANTINED
    assert asset.c2pa_failure_codes


def test_a_tampered_signed_clip_is_quarantined(tmp_path, superuser, production, chain, trusting):
    clip = sign_file(
        chain, make_clip(tmp_path / "raw.mp4", seconds=1), tmp_path / "signed.mp4", "video/mp4"
    )
    flip_byte(clip, clip.read_bytes().index(b"mdat") + 100)

    asset = _ingest(superuser, production, clip)

    assert asset.status == AssetStatus.QUARANTINED
    assert any("Hash.mismatch" in code for code in asset.c2pa_failure_codes)


def test_a_file_without_credentials_says_so(tmp_path, superuser, production):
    asset = _ingest(superuser, production, make_still(tmp_path / "plain.jpg"))

    assert (asset.c2pa_state, asset.c2pa_failure_codes, asset.c2pa_manifest) == (
        C2paState.NONE,
        [],
        None,
    )


@pytest.mark.parametrize(
    ("name", "mime_type", "container"),
    [("clip.mp4", "video/mp4", None), ("clip.mov", "video/quicktime", "mov")],
)
def test_a_store_the_sdk_cannot_recognise_is_still_found_in_the_boxes(
    tmp_path, chain, monkeypatch, name, mime_type, container
):
    """When the SDK sees no manifest, a C2PA box among the file's top-level boxes says there was
    one: damaged past recognition, which is Invalid, not "no credentials"."""
    import c2pa

    from assets.credentials import read_credentials

    plain = make_clip(tmp_path / name, seconds=0.5, container_format=container)
    signed = sign_file(chain, plain, tmp_path / f"signed-{name}", mime_type)
    monkeypatch.setattr(c2pa.Reader, "try_create", lambda *args, **kwargs: None)

    assert read_credentials(plain, mime_type).state == C2paState.NONE
    damaged = read_credentials(signed, mime_type)
    assert damaged.state == C2paState.INVALID
    assert damaged.failure_codes == ["manifest.unreadable"]
