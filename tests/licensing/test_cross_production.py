"""Nothing crosses production lines: a license, consent or clearance of ALPHA never takes in
BRAVO's assets or licenses, and BRAVO's objects read to ALPHA's staff exactly like missing ones."""

import pytest

from licensing.models import ClearanceRequest, Consent, Grant, License
from studio.models import AuditEvent
from tests.factories import MembershipFactory
from tests.licensing.helpers import license_payload

LICENSES = "/api/v1/licenses/"
REQUESTS = "/api/v1/clearance-requests/"


def _nothing_written():
    return (License.objects.count(), Consent.objects.count(), AuditEvent.objects.count())


def test_a_contract_document_of_another_production_is_refused(world, legal_of_both, client_as):
    """Even for someone who may see both: ALPHA's contract must be an ALPHA document."""
    before = _nothing_written()
    payload = license_payload(world, contract_document=world.assets["foreign"].pk)

    response = client_as(legal_of_both).post(LICENSES, payload, format="json")

    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["contract_document"]
    assert _nothing_written() == before


def test_consent_evidence_of_another_production_is_refused(world, legal_of_both, client_as):
    payload = {
        "person": world.people["maya"].pk,
        "scope": "voice",
        "productions": ["ALPHA"],
        "description": "ADR for episode 2.",
        "valid_from": "2026-01-01T00:00:00Z",
        "evidence": world.assets["foreign"].pk,
        "signed_by": "Maya",
        "signed_at": "2025-12-01T00:00:00Z",
    }
    before = _nothing_written()

    response = client_as(legal_of_both).post("/api/v1/consents/", payload, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["evidence"]
    assert _nothing_written() == before


def _request_payload(world, asset="a1"):
    return {
        "production": "ALPHA",
        "action": "distribute",
        "assets": [world.assets[asset].pk],
        "territory": "JP",
        "media": "festival",
        "use_from": "2027-01-01T00:00:00Z",
        "purpose": "Festival screenings.",
    }


def test_a_clearance_request_for_another_production_s_asset_is_refused(world, member, client_as):
    """A coordinator of both productions sees BRAVO's asset, and the service still refuses it."""
    user = member("coordinator", world.production)
    MembershipFactory(user=user, production=world.other, role="coordinator")

    response = client_as(user).post(REQUESTS, _request_payload(world, "foreign"), format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["assets"]
    assert ClearanceRequest.objects.count() == 0


@pytest.fixture
def pending(world, coordinator, client_as):
    response = client_as(coordinator).post(REQUESTS, _request_payload(world), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _decide_with(client, request_id, license_id):
    payload = {"approve": True, "notes": "ok", "license": license_id}
    return client.post(f"{REQUESTS}{request_id}/decide/", payload, format="json")


def test_another_production_s_license_reads_like_a_missing_one(world, legal, client_as, pending):
    """ALPHA's legal must not learn which license ids BRAVO holds."""
    bravo_license = world.license("B-1", production=world.other)
    missing_id = bravo_license.pk + 1000
    client = client_as(legal)

    foreign = _decide_with(client, pending, bravo_license.pk)
    missing = _decide_with(client, pending, missing_id)

    assert (foreign.status_code, missing.status_code) == (400, 400)
    [foreign_error] = foreign.json()["errors"]
    [missing_error] = missing.json()["errors"]
    assert foreign_error["field"] == missing_error["field"] == "license"
    assert foreign_error["message"] == missing_error["message"].replace(
        str(missing_id), str(bravo_license.pk)
    )
    assert ClearanceRequest.objects.get(pk=pending).status == "pending"
    assert Grant.objects.count() == 0
