"""Consents are recorded and revoked, never deleted; clearance requests are filed and decided;
the gate's dry run stores nothing while the real gate keeps and audits every decision."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from licensing.choices import ConsentScope, Coverage
from licensing.gate import evaluate
from licensing.models import ClearanceRequest, Consent, GateEvaluation, Grant, Revocation
from licensing.services import gate_check
from studio.models import AuditEvent
from tests.licensing.helpers import audit_rows, fields_of
from tests.licensing.world import USE, appears, permission, prohibition

CONSENTS = "/api/v1/consents/"
REQUESTS = "/api/v1/clearance-requests/"
CHECK = "/api/v1/clearance/check"
EVALUATIONS = "/api/v1/gate-evaluations/"
REVOKED_AT = dt.datetime(2027, 2, 1, 15, 0, tzinfo=dt.UTC)


# --- consents --------------------------------------------------------------------------------------


@pytest.fixture
def recorded(world, legal, client_as):
    """Leo, a minor, consents (guardian-signed) to digital alteration on ALPHA, recorded over the API."""
    payload = {
        "person": world.people["leo"].pk,
        "scope": ConsentScope.DIGITAL_ALTERATION,
        "productions": ["ALPHA"],
        "description": "Digital de-ageing in the flashback of episode 3.",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2028-01-01T00:00:00Z",
        "evidence": world.assets["a3"].pk,
        "signed_by": "Grace (guardian)",
        "guardian_signature": True,
        "signed_at": "2025-12-01T10:00:00Z",
    }
    response = client_as(legal).post(CONSENTS, payload, format="json")
    assert response.status_code == 201, response.content
    return Consent.objects.get(pk=response.json()["id"])


def test_legal_records_a_consent_with_one_audit_row(world, legal, recorded):
    assert recorded.person == world.people["leo"]
    assert [p.code for p in recorded.productions.all()] == ["ALPHA"]
    assert (recorded.evidence, recorded.guardian_signature) == (world.assets["a3"], True)
    assert recorded.valid_until == dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    [event] = audit_rows()
    assert (event.action, event.actor_id, event.target_id) == (
        "licensing.consent.recorded",
        legal.pk,
        str(recorded.pk),
    )


def test_a_revoked_consent_stays_and_shows_its_revocation(legal, client_as, recorded):
    client = client_as(legal)

    response = client.post(
        f"{CONSENTS}{recorded.pk}/revoke/",
        {"reason": "Guardian withdrew consent.", "revoked_at": REVOKED_AT.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.content
    shown = client.get(f"{CONSENTS}{recorded.pk}/")
    assert shown.status_code == 200
    revocation = shown.json()["revocation"]
    assert revocation["reason"] == "Guardian withdrew consent."
    assert revocation["recorded_by"] == legal.username
    assert dt.datetime.fromisoformat(revocation["revoked_at"]) == REVOKED_AT
    assert client.delete(f"{CONSENTS}{recorded.pk}/").status_code == 405
    assert Consent.objects.filter(pk=recorded.pk).exists()
    assert [(e.action, e.actor_id) for e in audit_rows()] == [
        ("licensing.consent.recorded", legal.pk),
        ("licensing.consent.revoked", legal.pk),
        ("licensing.taint.started", legal.pk),  # the taint run is part of the revocation
    ]


def test_a_coordinator_cannot_revoke(coordinator, client_as, recorded):
    response = client_as(coordinator).post(
        f"{CONSENTS}{recorded.pk}/revoke/", {"reason": "I think so"}, format="json"
    )

    assert response.status_code == 403
    assert not Revocation.objects.exists()
    assert [e.action for e in audit_rows()] == ["licensing.consent.recorded"]


def test_the_gate_denies_after_the_revocation(world, legal, client_as, recorded):
    world.license("L-1", permission("ai_edit"))
    appears(world, "leo", "a1")
    use = world.request("a1", action="ai_edit", when=USE)
    assert evaluate(use).allowed

    revoked = client_as(legal).post(
        f"{CONSENTS}{recorded.pk}/revoke/",
        {"reason": "withdrawn", "revoked_at": REVOKED_AT.isoformat()},
        format="json",
    )
    decision = evaluate(use)

    assert revoked.status_code == 201
    assert not decision.allowed
    [blocking] = decision.blocking
    assert blocking.code == "consent_revoked"
    assert "revoked at 2027-02-01T15:00:00+00:00" in blocking.message


@pytest.mark.parametrize(
    ("person", "signatures", "codes"),
    [
        ("leo", {"guardian_signature": True}, []),
        ("leo", {}, ["minor_without_guardian"]),
        ("old", {"representative_signature": True}, []),
        ("old", {}, ["deceased_without_representative"]),
        ("maya", {}, []),
    ],
)
def test_a_consent_that_cannot_grant_anything_says_so_itself(
    world, legal, client_as, person, signatures, codes
):
    payload = {
        "person": world.people[person].pk,
        "scope": ConsentScope.DIGITAL_ALTERATION,
        "productions": ["ALPHA"],
        "description": "Digital de-ageing in the flashback of episode 3.",
        "valid_from": "2026-01-01T00:00:00Z",
        "signed_by": "someone",
        "signed_at": "2025-12-01T10:00:00Z",
    } | signatures
    client = client_as(legal)

    created = client.post(CONSENTS, payload, format="json")
    shown = client.get(f"{CONSENTS}{created.json()['id']}/").json()

    assert created.status_code == 201, created.content
    for body in (created.json(), shown):
        assert body["effective"] is (not codes)
        assert [p["code"] for p in body["problems"]] == codes
        assert all(world.people[person].name in p["message"] for p in body["problems"])


# --- clearance requests ----------------------------------------------------------------------------


@pytest.fixture
def filed(world, coordinator, client_as):
    """The coordinator asks to show a1 at festivals in Japan during 2027."""
    payload = {
        "production": "ALPHA",
        "action": "distribute",
        "assets": [world.assets["a1"].pk],
        "territory": "JP",
        "media": "festival",
        "use_from": "2027-01-01T00:00:00Z",
        "use_until": "2028-01-01T00:00:00Z",
        "purpose": "Festival screenings in Tokyo and Osaka.",
    }
    response = client_as(coordinator).post(REQUESTS, payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    return ClearanceRequest.objects.get(pk=response.json()["id"])


@pytest.fixture
def festival_license(world):
    """Active and listing nothing yet: only the approval makes it cover a1."""
    return world.license("L-FEST", coverage=Coverage.LISTED)


def _decide(client, request, **payload):
    return client.post(f"{REQUESTS}{request.pk}/decide/", payload, format="json")


def test_a_coordinator_files_a_request_with_one_audit_row(coordinator, filed):
    [event] = audit_rows()
    assert (event.action, event.actor_id, event.target_id) == (
        "licensing.clearance.requested",
        coordinator.pk,
        str(filed.pk),
    )
    assert event.after["territory"] == "JP"


def test_approval_creates_a_grant_for_exactly_that_use(
    world, legal, client_as, filed, festival_license
):
    use = world.request("a1", action="distribute", territory="JP", media="festival")
    assert not evaluate(use).allowed

    response = _decide(
        client_as(legal), filed, approve=True, notes="Fine", license=festival_license.pk
    )

    assert response.status_code == 200, response.content
    filed.refresh_from_db()
    grant = Grant.objects.get(pk=response.json()["created_grant"])
    assert (filed.status, filed.decided_by, filed.created_grant) == (
        "approved",
        legal.username,
        grant,
    )
    assert (grant.license, grant.section, grant.kind) == (
        festival_license,
        f"clearance #{filed.pk}",
        "permission",
    )
    assert (grant.territory_include, grant.media) == (["JP"], ["festival"])
    assert evaluate(use).allowed
    for other_use in ({"territory": "KR"}, {"media": "svod"}):
        kwargs = {"territory": "JP", "media": "festival"} | other_use
        assert not evaluate(world.request("a1", action="distribute", **kwargs)).allowed
    assert [(e.action, e.actor_id) for e in audit_rows("licensing.clearance.approved")] == [
        ("licensing.clearance.approved", legal.pk)
    ]


def test_a_rejection_needs_notes(legal, client_as, filed):
    response = _decide(client_as(legal), filed, approve=False)

    assert response.status_code == 400
    assert fields_of(response) == {"notes"}
    filed.refresh_from_db()
    assert filed.status == "pending"


def test_a_request_is_decided_once(legal, client_as, filed):
    client = client_as(legal)
    first = _decide(client, filed, approve=False, notes="No budget for festival rights.")

    second = _decide(client, filed, approve=True, notes="Changed my mind.")

    assert (first.status_code, second.status_code) == (200, 409)
    filed.refresh_from_db()
    assert (filed.status, filed.decision_notes) == ("rejected", "No budget for festival rights.")
    assert len(audit_rows("licensing.clearance.rejected")) == 1
    assert not audit_rows("licensing.clearance.approved")


def test_a_coordinator_cannot_decide(coordinator, client_as, filed, festival_license):
    response = _decide(client_as(coordinator), filed, approve=True, license=festival_license.pk)

    assert response.status_code == 403
    filed.refresh_from_db()
    assert (filed.status, Grant.objects.count()) == ("pending", 0)


# --- the gate: dry run and real decisions ----------------------------------------------------------


def test_the_dry_run_answers_and_stores_nothing(world, coordinator, client_as):
    world.license("L-1", permission("distribute", territory_include=["US"]))
    payload = {
        "production": "ALPHA",
        "action": "distribute",
        "assets": [world.assets["a1"].pk],
        "territory": "us",
        "media": "svod",
        "at": USE.isoformat(),
    }

    response = client_as(coordinator).post(CHECK, payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"allowed", "reasons", "request", "rule_version"}
    assert body["allowed"] is True
    assert body["request"]["territory"] == "US"
    assert body["reasons"][0]["code"] == "grant"
    assert GateEvaluation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_group_code_cannot_slip_past_a_prohibition(world, coordinator, client_as):
    """Distribution is forbidden in the EU; asking about "EU" itself must not come back allowed."""
    world.license(
        "L-1", permission("distribute"), prohibition("distribute", territory_include=["EU"])
    )
    payload = {"production": "ALPHA", "action": "distribute", "assets": [world.assets["a1"].pk]}
    payload |= {"territory": "EU", "media": "svod", "at": USE.isoformat()}

    response = client_as(coordinator).post(CHECK, payload, format="json")

    assert response.status_code == 400, response.json()
    assert fields_of(response) == {"territory"}


@pytest.mark.parametrize(
    ("grants", "allowed", "action"),
    [
        ((permission("ai_edit"),), True, "licensing.gate.allowed"),
        ((), False, "licensing.gate.denied"),
    ],
)
def test_a_real_decision_is_stored_and_audited_once(world, legal, grants, allowed, action):
    world.license("L-1", *grants)

    decision, evaluation = gate_check(
        actor=legal, request=world.request("a1"), subject=world.assets["a1"]
    )

    assert decision.allowed is allowed
    assert GateEvaluation.objects.get() == evaluation
    assert (evaluation.allowed, evaluation.evaluated_by) == (allowed, legal.username)
    assert (evaluation.subject_type, evaluation.subject_id) == (
        "assets.asset",
        str(world.assets["a1"].pk),
    )
    [event] = audit_rows()
    assert (event.action, event.actor_id, event.target_id) == (action, legal.pk, str(evaluation.pk))


def test_a_real_decision_needs_one_country(world, legal):
    """A two-letter group such as EU is not a country: the gate must refuse to judge it."""
    with pytest.raises(ValidationError, match="territory"):
        gate_check(actor=legal, request=world.request("a1", territory="EU"))

    assert GateEvaluation.objects.count() == 0


def test_the_decision_log_is_for_legal_only(world, legal, coordinator, client_as):
    gate_check(actor=legal, request=world.request("a1"))

    as_legal = client_as(legal).get(EVALUATIONS)
    as_coordinator = client_as(coordinator).get(EVALUATIONS)

    assert [row["allowed"] for row in as_legal.json()["results"]] == [False]
    assert as_legal.json()["results"][0]["production"] == "ALPHA"
    assert (as_coordinator.status_code, as_coordinator.json()["results"]) == (200, [])
