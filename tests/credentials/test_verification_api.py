"""Verification over the API and in the admin: an asset's credentials, and any uploaded file's."""

import pytest

from assets.choices import AssetOrigin
from assets.models import Asset
from assets.services import asset_ingest, output_stamp
from assets.synthetic import make_clip, make_still
from tests.c2pa_helpers import flip_byte


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    settings.ASSET_SPOOL_DIR = settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "spool"
    (tmp_path / "spool").mkdir()
    return tmp_path / "spool"


@pytest.fixture
def footage(superuser, production, tmp_path):
    still = make_still(tmp_path / "shot.jpg")
    return asset_ingest(
        actor=superuser, production=production, source=still, filename="shot.jpg"
    ).asset


def _stamped_output(superuser, production, footage, facts, tmp_path):
    from assets.storage import LocalCopy

    with LocalCopy(footage.storage_key) as path:
        result = output_stamp(
            source=path,
            target=tmp_path / "out.jpg",
            mime_type="image/jpeg",
            facts=facts,
            inputs=[(footage, "parentOf")],
        )
    return asset_ingest(
        actor=superuser,
        production=production,
        source=result.path,
        filename="out.jpg",
        origin=AssetOrigin.AI_OUTPUT,
    ).asset


def test_an_assets_credentials_show_state_summary_and_chain(
    api, signing, superuser, production, footage, facts, tmp_path
):
    output = _stamped_output(superuser, production, footage, facts, tmp_path)
    api.force_login(superuser)

    body = api.get(f"/api/v1/assets/{output.pk}/credentials/").json()

    assert body["state"] == "trusted"
    assert "trusted signer" in body["summary"]
    assert body["chain"]["actions"][1]["action"] == "c2pa.edited"
    assert body["chain"]["ingredients"][0] == {
        "title": "shot.jpg",
        "relationship": "parentOf",
        "validation": None,
        "manifest": None,
    }


def test_a_two_generation_chain_shows_both_manifests(
    api, signing, superuser, production, footage, facts, tmp_path
):
    first = _stamped_output(superuser, production, footage, facts, tmp_path)
    from assets.storage import LocalCopy

    with LocalCopy(first.storage_key) as path:
        again = output_stamp(
            source=path,
            target=tmp_path / "again.jpg",
            mime_type="image/jpeg",
            facts=facts,
            inputs=[(first, "parentOf")],
        )
    second = asset_ingest(
        actor=superuser,
        production=production,
        source=again.path,
        filename="again.jpg",
        origin=AssetOrigin.AI_OUTPUT,
    ).asset
    api.force_login(superuser)

    chain = api.get(f"/api/v1/assets/{second.pk}/credentials/").json()["chain"]

    parent = chain["ingredients"][0]["manifest"]
    assert parent is not None
    assert parent["ingredients"][0]["title"] == "shot.jpg"
    assert chain["label"] != parent["label"]


def test_verifying_an_upload_stores_nothing(
    api, signing, superuser, production, footage, facts, tmp_path, isolated_media
):
    output = _stamped_output(superuser, production, footage, facts, tmp_path)
    from assets.storage import LocalCopy

    before = Asset.objects.count()
    api.force_login(superuser)
    with LocalCopy(output.storage_key) as path, path.open("rb") as handle:
        response = api.post("/api/v1/credentials/verify", {"file": handle}, format="multipart")

    assert response.status_code == 200
    assert response.json()["state"] == "trusted"
    assert response.json()["mime_type"] == "image/jpeg"
    assert Asset.objects.count() == before
    assert list(isolated_media.iterdir()) == []


def test_a_tampered_upload_is_reported_invalid_with_its_code(
    api, signing, superuser, production, footage, facts, tmp_path
):
    output = _stamped_output(superuser, production, footage, facts, tmp_path)
    from assets.storage import LocalCopy

    with LocalCopy(output.storage_key) as path:
        copy = tmp_path / "copy.jpg"
        copy.write_bytes(path.read_bytes())
    flip_byte(copy, -200)
    api.force_login(superuser)

    with copy.open("rb") as handle:
        body = api.post("/api/v1/credentials/verify", {"file": handle}, format="multipart").json()

    assert body["state"] == "invalid"
    assert "assertion.dataHash.mismatch" in body["failure_codes"]


def test_a_sidecar_can_be_verified_with_its_file(api, signing, superuser, facts, tmp_path):
    from assets.credentials.stamp import stamp

    raw = make_clip(tmp_path / "raw.mkv", seconds=1, container_format="matroska")
    result = stamp(
        source=raw,
        target=tmp_path / "out.mkv",
        mime_type="video/x-matroska",
        facts=facts,
        ingredients=[],
    )
    api.force_login(superuser)

    with result.path.open("rb") as media, result.sidecar.open("rb") as manifest:
        body = api.post(
            "/api/v1/credentials/verify", {"file": media, "manifest": manifest}, format="multipart"
        ).json()

    assert body["state"] == "trusted"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"plain text, not media", "Unsupported file type"),
    ],
)
def test_bad_uploads_get_a_clear_400(api, superuser, tmp_path, content, message):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    api.force_login(superuser)

    with path.open("rb") as handle:
        response = api.post("/api/v1/credentials/verify", {"file": handle}, format="multipart")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert message in response.json()["errors"][0]["message"]


def test_a_corrupted_manifest_store_is_invalid_not_an_error(
    api, signing, superuser, facts, tmp_path
):
    from assets.credentials.stamp import stamp

    result = stamp(
        source=make_still(tmp_path / "raw.jpg"),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    )
    data = bytearray(result.path.read_bytes())
    start = data.index(b"jumb")
    data[start + 8 : start + 40] = b"\x00" * 32
    result.path.write_bytes(data)
    api.force_login(superuser)

    with result.path.open("rb") as handle:
        response = api.post("/api/v1/credentials/verify", {"file": handle}, format="multipart")

    assert response.status_code == 200
    assert response.json()["state"] == "invalid"
    assert response.json()["failure_codes"]


def test_the_admin_shows_the_credentials_as_a_tree(
    client, signing, superuser, production, footage, facts, tmp_path
):
    output = _stamped_output(superuser, production, footage, facts, tmp_path)
    client.force_login(superuser)

    page = client.get(f"/admin/assets/asset/{output.pk}/credentials/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "TRUSTED" in html
    assert "c2pa.edited" in html
    assert "parentOf: shot.jpg" in html
