"""A license reference used in another production reveals nothing: references are unique per
production, and scope and role are checked before uniqueness."""

import datetime as dt

import pytest

from licensing.models import License, Party
from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def secret_license(db):
    bravo = ProductionFactory(code="BRAVO")
    party = Party.objects.create(name="Other Studio")
    return License.objects.create(
        production=bravo,
        reference="SECRET-7",
        title="Their deal",
        licensor=party,
        licensee=party,
        status="active",
        starts_at=T0,
    )


@pytest.fixture
def alpha_client(api, db):
    alpha = ProductionFactory(code="ALPHA")
    user = UserFactory()
    MembershipFactory(user=user, production=alpha, role="legal")
    _, raw = make_token(user, [alpha], can_write=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def _license(reference):
    party = Party.objects.get_or_create(name="Stock Co")[0]
    return {
        "production": "ALPHA",
        "reference": reference,
        "title": "Ours",
        "licensor": party.pk,
        "licensee": party.pk,
        "starts_at": T0.isoformat(),
        "coverage": "production",
        "grants": [],
    }


def test_a_reference_taken_in_another_production_is_free_here(secret_license, alpha_client):
    response = alpha_client.post("/api/v1/licenses/", _license("SECRET-7"), format="json")
    fresh = alpha_client.post("/api/v1/licenses/", _license("FRESH-1"), format="json")

    assert (response.status_code, fresh.status_code) == (201, 201), response.content
    assert "BRAVO" not in response.content.decode()
    assert "Their deal" not in response.content.decode()


def test_a_reference_used_twice_in_one_production_is_a_conflict_naming_only_it(alpha_client):
    first = alpha_client.post("/api/v1/licenses/", _license("DUP-1"), format="json")
    second = alpha_client.post("/api/v1/licenses/", _license("DUP-1"), format="json")

    assert first.status_code == 201, first.content
    assert second.status_code in (400, 409)
    assert second.json()["status"] == second.status_code
