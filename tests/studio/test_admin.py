import pytest

from studio.models import ApiToken, AuditEvent, Membership, Production


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_creating_a_production_in_the_admin_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/studio/production/add/",
        {
            "code": "GAMMA",
            "name": "Gamma",
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    production = Production.objects.get(code="GAMMA")
    assert AuditEvent.objects.get(production=production).action == "studio.production.created"


def test_adding_a_member_inline_is_audited(admin_client, production):
    from tests.factories import UserFactory

    user = UserFactory(username="newcomer")

    response = admin_client.post(
        f"/admin/studio/production/{production.pk}/change/",
        {
            "name": production.name,
            "description": "",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": user.pk,
            "memberships-0-role": "legal",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    assert Membership.objects.get(user=user).role == "legal"
    assert AuditEvent.objects.filter(action="studio.membership.set").count() == 1


def test_a_token_added_in_the_admin_shows_its_key_once(admin_client, production, member):
    user = member("integration", production)

    response = admin_client.post(
        "/admin/studio/apitoken/add/",
        {
            "name": "bridge",
            "user": user.pk,
            "productions": [production.pk],
            "can_write": "on",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )

    token = ApiToken.objects.get()
    messages = [str(m) for m in response.context["messages"]]
    assert any("cc_" + token.key_prefix in m for m in messages)
    assert token.productions.get() == production


def test_a_token_beyond_the_users_roles_is_a_form_error(admin_client, production, member):
    user = member("viewer", production)

    response = admin_client.post(
        "/admin/studio/apitoken/add/",
        {
            "name": "bridge",
            "user": user.pk,
            "productions": [production.pk],
            "can_write": "on",
            "expires_at_0": "2099-01-01",
            "expires_at_1": "00:00:00",
        },
    )

    assert response.status_code == 200
    assert "may not write to: ALPHA" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_audit_trail_is_read_only_in_the_admin(admin_client, production, superuser):
    from studio import services

    services.production_update(actor=superuser, production=production, name="Renamed")
    event = AuditEvent.objects.get()

    listing = admin_client.get("/admin/studio/auditevent/")
    change = admin_client.post(f"/admin/studio/auditevent/{event.pk}/change/", {"action": "x"})
    delete = admin_client.post(f"/admin/studio/auditevent/{event.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert admin_client.get("/admin/studio/auditevent/add/").status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert AuditEvent.objects.get().action == "studio.production.updated"
