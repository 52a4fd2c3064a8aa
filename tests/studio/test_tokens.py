import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from studio import services
from studio.exceptions import Conflict
from studio.models import ApiToken, AuditEvent
from tests.factories import UserFactory

PRODUCTIONS = "/api/v1/productions/"


def test_the_key_is_returned_once_and_only_its_hash_is_stored(superuser, production, member):
    user = member("integration", production)

    token, raw_key = services.api_token_create(
        actor=superuser, user=user, name="MAM", productions=[production], can_write=True
    )

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw_key not in {str(v) for v in stored.values()}
    assert stored["key_hash"] == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key.startswith(f"cc_{stored['key_prefix']}_")


def test_creating_a_token_writes_one_audit_row_naming_the_actor(superuser, production, member):
    user = member("coordinator", production)

    token, _ = services.api_token_create(
        actor=superuser, user=user, name="t", productions=[production]
    )

    event = AuditEvent.objects.get(action="studio.api_token.created")
    assert (event.actor_id, event.actor_name, event.target_id) == (
        superuser.pk,
        "root-admin",
        str(token.pk),
    )


def test_a_token_cannot_reach_beyond_its_users_roles(production, other_production, member):
    viewer = member("viewer", production)

    with pytest.raises(ValidationError, match="may not write to: ALPHA"):
        services.api_token_create(
            actor=viewer, user=viewer, name="t", productions=[production], can_write=True
        )
    with pytest.raises(ValidationError, match="may not read: BRAVO"):
        services.api_token_create(
            actor=viewer, user=viewer, name="t", productions=[other_production]
        )
    assert not ApiToken.objects.exists()


def test_a_token_cannot_mint_tokens(api, production, member, token_client):
    user = member("coordinator", production)
    client = token_client(user, [production], can_write=True)

    response = client.post(
        "/api/v1/tokens/", {"name": "x", "productions": ["ALPHA"]}, format="json"
    )

    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_person_creates_a_token_through_the_api_and_sees_the_key_once(api, production, member):
    user = member("coordinator", production)
    api.force_login(user)

    created = api.post(
        "/api/v1/tokens/",
        {"name": "mam", "productions": ["ALPHA"], "can_write": True},
        format="json",
    )
    listed = api.get("/api/v1/tokens/")

    assert created.status_code == 201, created.content
    assert created.json()["key"].startswith("cc_")
    assert "key" not in listed.json()["results"][0]
    assert listed.json()["results"][0]["productions"] == ["ALPHA"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"revoked": True}, "revoked"),
        ({"expires_in": dt.timedelta(seconds=-1)}, "expired"),
    ],
)
def test_unusable_tokens_get_401(production, member, token_client, kwargs, message):
    client = token_client(member("coordinator", production), [production], **kwargs)

    response = client.get(PRODUCTIONS)

    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_a_wrong_token_gets_401(api, production):
    api.credentials(HTTP_AUTHORIZATION="Bearer cc_deadbeef_not-a-real-key")

    response = api.get(PRODUCTIONS)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_an_inactive_user_gets_401(production, member, token_client):
    user = member("coordinator", production)
    client = token_client(user, [production])
    user.is_active = False
    user.save()

    assert client.get(PRODUCTIONS).status_code == 401


def test_a_token_of_production_a_cannot_read_production_b(
    production, other_production, member, token_client
):
    user = member("coordinator", production)
    # The user belongs to B too, but the token is scoped to A only.
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, production=other_production, role="coordinator")
    client = token_client(user, [production])

    listed = client.get(PRODUCTIONS)
    detail = client.get(f"{PRODUCTIONS}{other_production.pk}/")

    assert [p["code"] for p in listed.json()["results"]] == ["ALPHA"]
    assert detail.status_code == 404


def test_a_read_only_token_cannot_write(production, member, token_client):
    client = token_client(member("legal", production), [production], can_write=False)

    response = client.post(f"/api/v1/tokens/{client.token.pk}/revoke/")

    assert response.status_code == 403
    assert response.json()["detail"] == "This API token is read-only."
    assert ApiToken.objects.get(pk=client.token.pk).revoked_at is None


def test_revoking_twice_is_a_conflict(superuser, production, member):
    token, _ = services.api_token_create(
        actor=superuser, user=member("viewer", production), name="t", productions=[production]
    )
    services.api_token_revoke(actor=superuser, token=token)

    with pytest.raises(Conflict):
        services.api_token_revoke(actor=superuser, token=token)
    assert AuditEvent.objects.filter(action="studio.api_token.revoked").count() == 1


def test_revoke_through_the_api_then_409(api, production, member):
    user = member("coordinator", production)
    api.force_login(user)
    token_id = api.post(
        "/api/v1/tokens/", {"name": "t", "productions": ["ALPHA"]}, format="json"
    ).json()["id"]

    first = api.post(f"/api/v1/tokens/{token_id}/revoke/")
    second = api.post(f"/api/v1/tokens/{token_id}/revoke/")

    assert first.status_code == 200
    assert first.json()["revoked_at"] is not None
    assert second.status_code == 409
    assert second["Content-Type"] == "application/problem+json"


def test_only_the_owner_or_an_administrator_revokes(production, member):
    owner, stranger = member("viewer", production), UserFactory()
    token, _ = services.api_token_create(
        actor=owner, user=owner, name="t", productions=[production]
    )

    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=stranger, token=token)
