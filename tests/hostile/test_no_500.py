"""Cheap hostile requests answer 4xx problem documents naming what is wrong, never a 500."""

import json

import pytest

from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token

PROBLEM = "application/problem+json"
HUGE = 2**70
LISTS = [
    "/api/v1/assets/",
    "/api/v1/people/",
    "/api/v1/appearances/",
    "/api/v1/licenses/",
    "/api/v1/consents/",
    "/api/v1/clearance-requests/",
    "/api/v1/edits/",
    "/api/v1/trainings/",
    "/api/v1/adapters/",
    "/api/v1/models/",
    "/api/v1/webhooks/",
    "/api/v1/webhook-deliveries/",
    "/api/v1/audit-events/",
    "/api/v1/gate-evaluations/",
    "/api/v1/tokens/",
    "/api/v1/productions/",
]


@pytest.fixture
def client(api, db):
    production = ProductionFactory(code="ALPHA")
    user = UserFactory()
    MembershipFactory(user=user, production=production, role="legal")
    _, raw = make_token(user, [production], can_write=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def _problem(response, status=400):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/assets/", {"person": HUGE}),
        ("/api/v1/assets/", {"person": -HUGE}),
        ("/api/v1/appearances/", {"person": HUGE}),
        ("/api/v1/appearances/", {"asset": "x" * 30}),
        ("/api/v1/webhook-deliveries/", {"subscription": HUGE}),
        ("/api/v1/licenses/", {"asset": HUGE}),
        ("/api/v1/licenses/", {"licensor": HUGE}),
        ("/api/v1/licenses/", {"expiring_within_days": 10**12}),
        ("/api/v1/licenses/", {"expiring_within_days": -5}),
        ("/api/v1/consents/", {"person": HUGE}),
        ("/api/v1/assets/", {"created_after": "9999-12-31T23:59:59-05:00"}),
        ("/api/v1/assets/", {"created_before": "0001-01-01T00:00:00+05:00"}),
        ("/api/v1/assets/", {"created_after": "10000-01-01T00:00:00Z"}),
        ("/api/v1/audit-events/", {"occurred_after": "0000-01-01"}),
        ("/api/v1/audit-events/", {"target_id": "\x00"}),
    ],
)
def test_out_of_range_filters_are_a_400_naming_the_filter(client, url, params):
    body = _problem(client.get(url, params))
    assert {e["field"] for e in body["errors"]} == set(params)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "cursor", ["not-base64!", "cD1hYmM=", "cD05OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ==", "bz0tMQ=="]
)
def test_malformed_cursors_are_a_400(client, url, cursor):
    body = _problem(client.get(url, {"cursor": cursor}))
    assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("odd", ["%C2%B2", "%D9%A1%D9%A2", "9" * 30, "-1", "1.5", "%00"])
def test_a_detail_whose_id_is_not_one_is_a_404(client, url, odd):
    """Digits other than ASCII ones (² and ١٢ pass ``str.isdigit``), ids beyond 64 bits."""
    response = client.get(f"{url}{odd}/")
    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"].startswith(PROBLEM)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("url", ["/api/v1/edits/", "/api/v1/clearance/check", "/api/v1/webhooks/"])
@pytest.mark.parametrize("levels", [100, 5000, 100_000])
def test_deeply_nested_json_is_refused(client, url, levels):
    body = '{"production": "ALPHA", "x": ' + _deep(levels) + "}"
    response = client.post(url, body, content_type="application/json")
    problem = _problem(response)
    assert "nested" in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (f'{{"inputs": [{HUGE}]}}', "inputs.0"),
        (f'{{"seed": {HUGE}}}', "seed"),
        (f'{{"adapters": [{{"adapter": {HUGE}, "weight": 1}}]}}', "adapters.0.adapter"),
        ('{"mask_polygons": [[[0, 0], [1e400, 0], [0, 5]]]}', "mask_polygons.0.1.0"),
        ('{"seed": NaN}', "seed"),
        ('{"seed": -Infinity}', "seed"),
    ],
)
def test_numbers_beyond_range_are_refused_with_their_path(client, raw, field):
    response = client.post("/api/v1/edits/", raw, content_type="application/json")
    problem = _problem(response)
    assert problem["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("url", "raw", "field"),
    [
        (
            "/api/v1/clearance/check",
            '{"production": "ALPHA", "action": "view", "assets": [1], "territory": "US", '
            '"media": "svod", "language": "\\ud800"}',
            "language",
        ),
        ("/api/v1/clearance/check", '{"production": "\\udfff", "uses": []}', "production"),
        ("/api/v1/people/", '{"name": "Maya \\ud800", "productions": ["ALPHA"]}', "name"),
        ("/api/v1/edits/", '{"production": "ALPHA", "prompt": "\\ud800"}', "prompt"),
        ("/api/v1/webhooks/", '{"\\ud800": 1}', "body"),
    ],
)
def test_text_that_is_not_unicode_is_a_400_naming_the_field(client, url, raw, field):
    """A lone surrogate can only be written as an escape; it never reaches a column, an error
    message or the answer's encoding."""
    problem = _problem(client.post(url, raw, content_type="application/json"))
    assert problem["errors"][0]["field"] == field


def test_a_sane_body_still_parses(client):
    body = json.dumps({"production": "ALPHA", "assets": [], "action": "view"})
    response = client.post("/api/v1/clearance/check", body, content_type="application/json")
    assert (
        response.status_code == 400
    )  # refused for what it says (no assets), not how it is written
    assert "nested" not in response.json()["detail"]


def test_an_offset_postgresql_cannot_store_is_read_as_its_instant(client):
    response = client.get("/api/v1/audit-events/", {"occurred_before": "1431-07-22T02:30:11+17:20"})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/consents/", {"productions": ["AL\x00PHA"]}),
        ("/api/v1/people/", {"name": "Maya", "productions": ["x" * 5000]}),
        ("/api/v1/tokens/", {"name": "ci", "productions": ["\x00"]}),
    ],
)
def test_a_production_code_no_production_can_have_is_a_400_naming_the_field(client, url, body):
    problem = _problem(client.post(url, body, format="json"))
    assert "productions" in {error["field"] for error in problem["errors"]}


@pytest.mark.parametrize("code", ["AL\x00PHA", "x" * 5000, "ALPHA\ud7ff", "alpha"])
@pytest.mark.parametrize("signed_in_as", ["token", "superuser"])
def test_a_clearance_check_for_a_production_code_there_is_none_of_is_a_400_naming_it(
    client, api, code, signed_in_as
):
    if signed_in_as == "superuser":  # no scope to apply: the lookup's unscoped statement
        api.credentials()
        api.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    body = {"production": code, "assets": [1], "action": "view", "territory": "US", "media": "svod"}
    problem = _problem(client.post("/api/v1/clearance/check", body, format="json"))
    assert [error["field"] for error in problem["errors"]] == ["production"]
