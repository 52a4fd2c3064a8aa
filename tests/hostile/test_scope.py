"""Answers stay inside the caller's scope: a token scoped to one production learns nothing of another."""

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token


@pytest.fixture
def two_productions(db):
    alpha, bravo = ProductionFactory(code="ALPHA"), ProductionFactory(code="BRAVO")
    user = UserFactory()
    MembershipFactory(user=user, production=alpha, role="legal")
    MembershipFactory(user=user, production=bravo, role="legal")
    return user, alpha, bravo


def _client(raw) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_lists_only_the_tokens_its_scope_covers(two_productions):
    user, alpha, bravo = two_productions
    alpha_token, alpha_key = make_token(user, [alpha], name="alpha")
    bravo_token, _ = make_token(user, [bravo], name="bravo")
    both_token, both_key = make_token(user, [alpha, bravo], name="both")

    seen_by_alpha = {t["name"] for t in _client(alpha_key).get("/api/v1/tokens/").json()["results"]}
    seen_by_both = {t["name"] for t in _client(both_key).get("/api/v1/tokens/").json()["results"]}

    assert seen_by_alpha == {"alpha"}
    assert seen_by_both == {"alpha", "bravo", "both"}
    hidden = _client(alpha_key).get(f"/api/v1/tokens/{bravo_token.pk}/")
    assert hidden.status_code == 404
    revoke = _client(alpha_key).post(f"/api/v1/tokens/{bravo_token.pk}/revoke/")
    assert revoke.status_code in (403, 404)
    bravo_token.refresh_from_db()
    assert bravo_token.revoked_at is None


def test_me_shows_the_memberships_the_token_can_use(two_productions):
    user, alpha, _ = two_productions
    _, key = make_token(user, [alpha])

    body = _client(key).get("/api/v1/me/").json()

    assert [m["production"] for m in body["memberships"]] == ["ALPHA"]
    assert body["token"]["productions"] == ["ALPHA"]
