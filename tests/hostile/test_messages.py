"""Messages a person can act on: plain role words, the limit that was hit, no server paths."""

import io

import pytest
from django.conf import settings

from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token

PROBLEM = "application/problem+json"


@pytest.fixture
def nightfall(db):
    return ProductionFactory(code="NIGHTFALL")


def _client(api, user, productions, **kwargs):
    _, raw = make_token(user, productions, **kwargs)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_a_role_refusal_says_who_may(api, nightfall):
    coordinator = UserFactory()
    MembershipFactory(user=coordinator, production=nightfall, role="coordinator")
    client = _client(api, coordinator, [nightfall], can_write=True)

    response = client.post(
        "/api/v1/licenses/import-odrl/", {"production": "NIGHTFALL", "policy": {}}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only legal staff of NIGHTFALL can ")


def test_a_read_only_token_is_told_so(api, nightfall):
    legal = UserFactory()
    MembershipFactory(user=legal, production=nightfall, role="legal")
    client = _client(api, legal, [nightfall], can_write=False)

    response = client.post(
        "/api/v1/webhooks/",
        {"production": "NIGHTFALL", "name": "mam", "url": "https://mam.example/hook"},
        format="json",
    )

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_too_many_fields_names_the_limit(api, nightfall):
    coordinator = UserFactory()
    MembershipFactory(user=coordinator, production=nightfall, role="coordinator")
    client = _client(api, coordinator, [nightfall], can_write=True)
    fields = {f"f{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)}

    response = client.post("/api/v1/assets/", fields, format="multipart")

    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith(PROBLEM)
    assert str(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS) in response.json()["detail"]


def test_an_undecodable_upload_never_shows_a_server_path(api, nightfall, settings, tmp_path):
    settings.ASSET_SPOOL_DIR = tmp_path
    coordinator = UserFactory()
    MembershipFactory(user=coordinator, production=nightfall, role="coordinator")
    client = _client(api, coordinator, [nightfall], can_write=True)
    fake_jpeg = io.BytesIO(b"\xff\xd8\xff\xe0" + b"not really a picture" * 50)
    fake_jpeg.name = "take.jpg"

    response = client.post(
        "/api/v1/assets/", {"production": "NIGHTFALL", "file": fake_jpeg}, format="multipart"
    )

    assert response.status_code == 400
    text = response.content.decode()
    assert str(tmp_path) not in text
    assert settings.ASSET_SPOOL_DIR.as_posix() not in text
