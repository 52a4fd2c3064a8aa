"""Every licensing list costs the same number of queries for 1 row as for 50 (licenses: see
test_license_api.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.models import ClearanceRequest, GateEvaluation, Party, Revocation
from tests.licensing.world import USE


def _consent(world, n):
    consent = world.consent(f"c{n}", "maya", productions=[world.production, world.other])
    consent.evidence = world.assets["a3"]
    consent.save(update_fields=["evidence"])
    Revocation.objects.create(consent=consent, revoked_at=USE, reason="gone", recorded_by="x")


def _clearance(world, n):
    request = ClearanceRequest.objects.create(
        production=world.production,
        requested_by="cory",
        action="distribute",
        territory="JP",
        media="festival",
        use_from=USE,
        purpose=f"use {n}",
    )
    request.assets.set([world.assets["a1"], world.assets["a2"]])


def _evaluation(world, n):
    GateEvaluation.objects.create(
        production=world.production,
        action="ai_edit",
        request={"n": n},
        allowed=bool(n % 2),
        reasons=[],
        rule_version="t",
        evaluated_by="lena-legal",
    )


def _party(world, n):
    Party.objects.create(name=f"Party {n:03d}")


LISTS = {
    "/api/v1/consents/": _consent,
    "/api/v1/clearance-requests/": _clearance,
    "/api/v1/gate-evaluations/": _evaluation,
    "/api/v1/parties/": _party,
}


def _measure(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("url", sorted(LISTS))
def test_the_list_costs_the_same_for_1_and_50_rows(world, legal, client_as, url):
    make = LISTS[url]
    client = client_as(legal)
    existing = _measure(client, url)[1]  # build_world's parties
    make(world, 0)
    queries_for_one, rows = _measure(client, url)
    assert rows == existing + 1

    for n in range(1, 50):
        make(world, n)
    queries_for_fifty, rows = _measure(client, url)

    assert rows == min(existing + 50, 50)
    assert queries_for_fifty == queries_for_one


def test_consent_rows_show_their_productions_and_revocation(world, legal, client_as):
    _consent(world, 0)

    [row] = client_as(legal).get("/api/v1/consents/").json()["results"]

    assert sorted(row["productions"]) == ["ALPHA", "BRAVO"]
    assert row["revocation"]["reason"] == "gone"
    assert dt.datetime.fromisoformat(row["revocation"]["revoked_at"]) == USE
