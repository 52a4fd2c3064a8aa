"""Licenses over the API: created whole by legal, scoped to productions, audited at every change."""

import datetime as dt

import pytest
from django.utils import timezone

from licensing.choices import Coverage, LicenseStatus
from licensing.models import Grant, License, LicensedAsset
from licensing.services.licenses import grant_facts
from studio.models import AuditEvent
from tests.licensing.helpers import audit_rows, fields_of, grant_payload, license_payload
from tests.licensing.world import NY, TOKYO, permission

URL = "/api/v1/licenses/"


@pytest.fixture
def listed(world):
    """An active license that lists a1 and permits ai_edit."""
    return world.license("L-1", permission(), coverage=Coverage.LISTED, listed=["a1"])


# --- one permission matrix -----------------------------------------------------------------------


def _list(client, world, lic):
    return client.get(URL)


def _detail(client, world, lic):
    return client.get(f"{URL}{lic.pk}/")


def _odrl(client, world, lic):
    return client.get(f"{URL}{lic.pk}/odrl/")


def _create(client, world, lic):
    return client.post(URL, license_payload(world), format="json")


def _suspend(client, world, lic):
    return client.post(f"{URL}{lic.pk}/status/", {"status": "suspended"}, format="json")


def _link(client, world, lic):
    return client.post(f"{URL}{lic.pk}/assets/", {"assets": [world.assets["a2"].pk]}, format="json")


OPERATIONS = {
    "list": (_list, False),
    "detail": (_detail, False),
    "odrl": (_odrl, False),
    "create": (_create, True),
    "suspend": (_suspend, True),
    "link": (_link, True),
}
AUDITED = {
    "create": "licensing.license.created",
    "suspend": "licensing.license.suspended",
    "link": "licensing.license.assets_linked",
}
MATRIX = [
    ("anonymous", "list", 401),
    ("anonymous", "detail", 401),
    ("anonymous", "create", 401),
    ("anonymous", "suspend", 401),
    ("viewer@own", "detail", 200),
    ("viewer@own", "suspend", 403),
    ("viewer@other", "detail", 404),
    ("viewer@other", "odrl", 404),
    ("coordinator@own", "detail", 200),
    ("coordinator@own", "create", 403),
    ("coordinator@own", "suspend", 403),
    ("coordinator@own", "link", 403),
    ("legal@other", "detail", 404),
    ("legal@other", "suspend", 404),
    ("legal-token-readonly@own", "create", 403),
    ("legal-token-readonly@own", "suspend", 403),
    ("legal@own", "list", 200),
    ("legal@own", "detail", 200),
    ("legal@own", "odrl", 200),
    ("legal@own", "create", 201),
    ("legal@own", "suspend", 200),
    ("legal@own", "link", 200),
]


@pytest.mark.parametrize(("spec", "operation", "expected"), MATRIX)
def test_license_permission_matrix(world, who, listed, spec, operation, expected):
    client, user = who(spec)
    call, writes = OPERATIONS[operation]
    events_before = AuditEvent.objects.count()

    response = call(client, world, listed)

    assert response.status_code == expected, response.content
    new_events = AuditEvent.objects.order_by("id")[events_before:]
    if writes and expected < 300:
        # one change, audited once by its actor (a suspension also records the taint it starts)
        assert {(e.actor_type, e.actor_id) for e in new_events} == {("user", user.pk)}
        assert [e.action for e in new_events if not e.action.startswith("licensing.taint.")] == [
            AUDITED[operation]
        ]
    else:
        assert list(new_events) == []
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == expected


# --- create ----------------------------------------------------------------------------------------


def test_legal_creates_a_license_with_its_grants_and_one_audit_row(world, legal, client_as):
    client = client_as(legal)

    response = client.post(URL, license_payload(world), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    lic = License.objects.get(reference="LIC-100")
    assert body["id"] == lic.pk
    assert body["production"] == "ALPHA"
    assert (lic.status, lic.coverage) == ("active", "listed")
    assert (lic.licensor, lic.licensee) == (world.stock_co, world.studio)
    assert list(lic.listed.values_list("asset_id", flat=True)) == [world.assets["a1"].pk]
    expected = grant_payload(
        valid_from=dt.datetime(2026, 2, 1, tzinfo=NY),
        valid_until=dt.datetime(2027, 12, 31, tzinfo=TOKYO),
    )
    assert grant_facts(lic.grants.get()) == expected
    [event] = audit_rows()
    assert (event.action, event.actor_id, event.actor_name) == (
        "licensing.license.created",
        legal.pk,
        legal.username,
    )
    assert (event.target_id, event.production_id) == (str(lic.pk), world.production.pk)
    assert event.after["grants"][0]["territory_include"] == ["EU", "US"]


def test_a_coordinator_cannot_create_a_license_and_nothing_is_left(world, coordinator, client_as):
    response = client_as(coordinator).post(URL, license_payload(world), format="json")

    assert response.status_code == 403
    assert (License.objects.count(), Grant.objects.count(), AuditEvent.objects.count()) == (0, 0, 0)


def test_a_viewer_of_another_production_neither_lists_nor_reads_it(
    world, member, listed, client_as
):
    world.license("B-1", permission(), production=world.other)
    client = client_as(member("viewer", world.other))

    listing = client.get(URL)
    detail = client.get(f"{URL}{listed.pk}/")

    assert [row["reference"] for row in listing.json()["results"]] == ["B-1"]
    assert detail.status_code == 404


# --- status ----------------------------------------------------------------------------------------


def test_status_changes_are_audited_and_terminated_is_final(world, legal, listed, client_as):
    client = client_as(legal)
    url = f"{URL}{listed.pk}/status/"
    steps = [("suspended", 200), ("active", 200), ("active", 409), ("terminated", 200)]
    steps += [("active", 409), ("terminated", 409)]

    outcomes = []
    for target, _ in steps:
        before = AuditEvent.objects.count()
        response = client.post(url, {"status": target, "reason": "contract"}, format="json")
        outcomes.append((target, response.status_code, AuditEvent.objects.count() - before))

    # A license that stops granting starts its taint run in the same change (one more event);
    # reinstated before that run marked anything, it has nothing to lift.
    assert [(t, code, n) for t, code, n in outcomes] == [
        ("suspended", 200, 2),
        ("active", 200, 1),
        ("active", 409, 0),
        ("terminated", 200, 2),
        ("active", 409, 0),
        ("terminated", 409, 0),
    ]
    listed.refresh_from_db()
    assert listed.status == LicenseStatus.TERMINATED
    assert [e.action for e in audit_rows()] == [
        "licensing.license.suspended",
        "licensing.taint.started",
        "licensing.license.active",
        "licensing.license.terminated",
        "licensing.taint.started",
    ]
    assert {e.actor_id for e in audit_rows()} == {legal.pk}
    again = client.post(url, {"status": "terminated"}, format="json")
    assert "already terminated" in again.json()["detail"]


# --- linking assets --------------------------------------------------------------------------------


def test_legal_links_assets_to_a_listed_license_once(world, legal, listed, client_as):
    client = client_as(legal)
    payload = {"assets": [world.assets["a1"].pk, world.assets["a2"].pk]}

    first = client.post(f"{URL}{listed.pk}/assets/", payload, format="json")
    again = client.post(f"{URL}{listed.pk}/assets/", payload, format="json")

    assert (first.status_code, first.json()) == (200, {"added": 1})
    assert (again.status_code, again.json()) == (200, {"added": 0})
    assert set(listed.listed.values_list("asset_id", flat=True)) == {
        world.assets["a1"].pk,
        world.assets["a2"].pk,
    }
    [event] = audit_rows("licensing.license.assets_linked")
    assert (event.actor_id, event.after) == (legal.pk, {"assets": [world.assets["a2"].pk]})


def test_legal_of_another_production_gets_404_linking_its_own_assets(
    world, member, listed, client_as
):
    client = client_as(member("legal", world.other))

    response = client.post(
        f"{URL}{listed.pk}/assets/", {"assets": [world.assets["foreign"].pk]}, format="json"
    )

    assert response.status_code == 404
    assert not LicensedAsset.objects.filter(asset=world.assets["foreign"]).exists()


@pytest.mark.parametrize(
    ("user", "says"),
    [
        ("legal", "does not exist"),  # BRAVO's asset is invisible to ALPHA's legal
        ("legal_of_both", "belong to another production"),  # visible, so the service refuses it
    ],
)
def test_assets_of_another_production_are_refused(world, listed, client_as, request, user, says):
    client = client_as(request.getfixturevalue(user))

    response = client.post(
        f"{URL}{listed.pk}/assets/", {"assets": [world.assets["foreign"].pk]}, format="json"
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "assets"
    assert says in error["message"]
    assert not LicensedAsset.objects.filter(asset=world.assets["foreign"]).exists()


def test_assets_cannot_be_listed_on_a_production_wide_license(world, legal, client_as):
    wide = world.license("L-W", permission(), coverage=Coverage.PRODUCTION)

    response = client_as(legal).post(
        f"{URL}{wide.pk}/assets/", {"assets": [world.assets["a1"].pk]}, format="json"
    )

    assert response.status_code == 400
    assert fields_of(response) == {"assets"}
    assert "production" in response.json()["errors"][0]["message"]
    assert not wide.listed.exists()


# --- lists -----------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    now = timezone.now()
    world.license("A-SOON", permission(), ends=now + dt.timedelta(days=10))
    world.license("A-LATER", permission(), ends=now + dt.timedelta(days=40))
    world.license("A-DRAFT", permission(), status=LicenseStatus.DRAFT)
    world.license("A-GONE", permission(), starts=now - dt.timedelta(days=90), ends=now)
    world.license("B-SOON", permission(), production=world.other, ends=now + dt.timedelta(days=5))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"A-SOON", "A-LATER", "A-DRAFT", "A-GONE", "B-SOON"}),
        ("production=ALPHA", {"A-SOON", "A-LATER", "A-DRAFT", "A-GONE"}),
        ("production=BRAVO", {"B-SOON"}),
        ("status=draft", {"A-DRAFT"}),
        ("status=active&production=ALPHA", {"A-SOON", "A-LATER", "A-GONE"}),
        ("expiring_within_days=30", {"A-SOON", "B-SOON"}),
        ("expiring_within_days=60&production=ALPHA", {"A-SOON", "A-LATER"}),
    ],
)
def test_the_list_filters(world, legal_of_both, catalogue, client_as, query, expected):
    response = client_as(legal_of_both).get(f"{URL}?{query}")

    assert response.status_code == 200
    assert {row["reference"] for row in response.json()["results"]} == expected
