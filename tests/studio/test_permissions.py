"""One access matrix: anonymous, wrong role, other production, right role -> expected status."""

import pytest

from studio.choices import ScopeAction
from studio.models import AuditEvent, Production
from studio.scoping import allowed_production_ids
from tests.factories import ProductionFactory


@pytest.fixture
def audited(production, other_production, superuser):
    from studio import services

    services.production_update(actor=superuser, production=production, name="Alpha, renamed")
    services.production_update(actor=superuser, production=other_production, name="Bravo, renamed")
    return AuditEvent.objects.get(production=production)


def _client(api, who, production, other_production, member):
    if who == "anonymous":
        return api
    role, where = who.split("@")
    api.force_login(member(role, production if where == "own" else other_production))
    return api


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("viewer@own", 200),
        ("coordinator@other", 404),
        ("legal@own", 200),
    ],
)
def test_production_detail_matrix(api, production, other_production, member, who, expected):
    client = _client(api, who, production, other_production, member)

    assert client.get(f"/api/v1/productions/{production.pk}/").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("coordinator@own", 404),  # right production, wrong role: the audit trail is legal's
        ("legal@other", 404),
        ("legal@own", 200),
    ],
)
def test_audit_event_detail_matrix(
    api, production, other_production, member, audited, who, expected
):
    client = _client(api, who, production, other_production, member)

    assert client.get(f"/api/v1/audit-events/{audited.pk}/").status_code == expected


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("legal@own", 403)])
def test_only_administrators_create_productions(
    api, production, other_production, member, who, expected
):
    client = _client(api, who, production, other_production, member)

    response = client.post("/api/v1/productions/", {"code": "NEW", "name": "New"}, format="json")

    assert response.status_code == expected
    assert not Production.objects.filter(code="NEW").exists()


def test_an_administrator_creates_a_production_with_one_audit_row(api, superuser):
    api.force_login(superuser)

    response = api.post("/api/v1/productions/", {"code": "NEW", "name": "New"}, format="json")

    assert response.status_code == 201, response.content
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.target_label) == (
        "studio.production.created",
        superuser.pk,
        "NEW — New",
    )


def test_legal_sees_only_their_productions_audit(
    api, production, other_production, member, audited
):
    api.force_login(member("legal", production))

    results = api.get("/api/v1/audit-events/").json()["results"]

    assert {e["production"] for e in results} == {"ALPHA"}


def test_scoping_is_one_subquery_not_a_round_trip(production, member, django_assert_num_queries):
    user = member("viewer", production)
    ProductionFactory.create_batch(3)

    with django_assert_num_queries(1):
        codes = list(
            Production.objects.restrict(user, ScopeAction.VIEW).values_list("code", flat=True)
        )

    assert codes == ["ALPHA"]
    assert allowed_production_ids(None, ScopeAction.VIEW).count() == 0
