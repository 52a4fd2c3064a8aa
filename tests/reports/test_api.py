"""The report API: JSON shape, 400 problems naming the parameter, and the access matrix."""

import pytest

from legal.reports import REPORTS
from tests.reports.helpers import PROBLEM, api_url, fields_of

pytestmark = pytest.mark.urls("tests.reports.urls")

NAMES = sorted(REPORTS)
ALPHA_WORDS = [
    "ALPHA",
    "LIC-LISTED",
    "LIC-PROD",
    "LIC-HOLDER",
    "out1",
    "out2",
    "alpha-lora",
    "stock",
]


def _params(world, name) -> dict:
    return {"asset": world.assets["a1"].pk} if name == "impact" else {}


@pytest.mark.parametrize("name", NAMES)
def test_json_shape(world, legal, client_as, name):
    response = client_as(legal).get(api_url(name), _params(world, name))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"title", "columns", "rows"}
    assert body["columns"] == list(REPORTS[name].select(user=legal, **_params(world, name)).columns)
    assert all(list(row) == body["columns"] for row in body["rows"])


def test_impact_rows_as_json(world, legal, client_as):
    body = client_as(legal).get(api_url("impact"), {"adapter": world.adapters["alpha-lora"].pk})

    assert body.json() == {
        "title": "Impact of alpha-lora",
        "columns": [
            "node_type",
            "id",
            "label",
            "production",
            "status",
            "depth",
            "produced_by",
            "licenses",
            "consents",
        ],
        "rows": [
            {
                "node_type": "asset",
                "id": world.assets["out2"].pk,
                "label": "out2",
                "production": "ALPHA",
                "status": "active",
                "depth": 1,
                "produced_by": f"edit_job #{world.jobs['E2'].pk}",
                "licenses": "LIC-HOLDER",
                "consents": "",
            }
        ],
    }


def test_decisions_filtered_through_the_query_string(world, legal, client_as):
    body = client_as(legal).get(api_url("decisions"), {"allowed": "false"}).json()

    assert [row["allowed"] for row in body["rows"]] == [False]


@pytest.mark.parametrize(
    ("name", "query", "named"),
    [
        ("expiring", "days=0", {"days"}),
        ("expiring", "days=abc", {"days"}),
        ("expiring", "days=3651", {"days"}),
        ("impact", "", {"person", "asset", "adapter", "license"}),
        ("impact", "person=1&asset=2", {"person", "asset"}),
        ("impact", "person=987654", {"person"}),
        ("usage_by_license", "license=x", {"license"}),
        ("decisions", "since=2026-99-01", {"since"}),
        ("decisions", "allowed=perhaps", {"allowed"}),
        ("tainted", "days=3", {"days"}),
    ],
)
def test_bad_parameters_are_a_400_problem_naming_them(world, legal, client_as, name, query, named):
    response = client_as(legal).get(f"{api_url(name)}?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert fields_of(response) == named
    assert response.json()["type"] == "urn:clearcut:problem:validation"


def test_an_unknown_report_is_a_404_problem(world, legal, client_as):
    response = client_as(legal).get(api_url("salaries"))

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_401(world, client_as, name):
    response = client_as(None).get(api_url(name), _params(world, name))

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM


@pytest.mark.parametrize("name", [n for n in NAMES if n != "impact"])
def test_a_coordinator_gets_empty_reports(tainted, coordinator, client_as, name):
    response = client_as(coordinator).get(
        api_url(name), {"days": 3650} if name == "expiring" else {}
    )

    assert response.status_code == 200
    assert response.json()["rows"] == []


def test_a_coordinator_cannot_tell_footage_exists(world, coordinator, client_as):
    client = client_as(coordinator)

    known = client.get(api_url("impact"), {"asset": world.assets["a1"].pk})
    missing = client.get(api_url("impact"), {"asset": 987654})

    assert known.status_code == missing.status_code == 400
    assert known.json() == missing.json()
    assert fields_of(known) == {"asset"}


@pytest.mark.parametrize("name", [n for n in NAMES if n != "impact"])
def test_legal_of_another_production_sees_nothing_of_this_one(
    tainted, legal_other, client_as, name
):
    params = {"days": 3650} if name == "expiring" else {}
    rows = client_as(legal_other).get(api_url(name), params).json()["rows"]

    text = str(rows)
    assert rows
    assert not [word for word in ALPHA_WORDS if word in text]


def test_legal_of_another_production_cannot_reach_this_ones_footage(world, legal_other, client_as):
    response = client_as(legal_other).get(api_url("impact"), {"asset": world.assets["a1"].pk})

    assert response.status_code == 400
    assert fields_of(response) == {"asset"}


@pytest.mark.parametrize("name", NAMES)
def test_legal_sees_their_production(tainted, legal, client_as, name):
    response = client_as(legal).get(api_url(name), _params(tainted, name))

    assert response.status_code == 200
    assert "ALPHA" in {row["production"] for row in response.json()["rows"]}


def test_a_read_only_token_of_legal_reads_reports(world, legal, token_client):
    client = token_client(legal, [world.production], can_write=False)

    response = client.get(api_url("decisions"))

    assert response.status_code == 200
    assert len(response.json()["rows"]) == 7


def test_a_token_scoped_to_the_other_production_sees_nothing(world, member, token_client):
    user = member("legal", world.production)
    client = token_client(user, [world.other])

    assert client.get(api_url("decisions")).json()["rows"] == []
