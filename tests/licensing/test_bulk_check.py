"""``POST /api/v1/clearance/check`` at the endpoint: a bounded number of queries whatever the number of
inputs or uses, bulk answers equal to single ones, and bulk input refused whole with its index."""

import json
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.api.check import MAX_USES
from licensing.choices import ConsentScope, Coverage
from licensing.gate import UseRequest
from licensing.gate.evaluator import decide
from licensing.gate.facts import load_shared_facts
from licensing.models import GateEvaluation
from studio.models import AuditEvent
from tests.licensing.helpers import fields_of
from tests.licensing.test_policy import _wide_world
from tests.licensing.world import USE, appears, at, permission, prohibition

CHECK = "/api/v1/clearance/check"
MAX_QUERIES = 5  # token, production, every asset id, the facts; the token's last use at most once
ONE_STATEMENT = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement on PostgreSQL; SQLite runs embedded"
)


@pytest.fixture
def mam(world, member, token_client):
    """A MAM integration's token on ALPHA (a viewer may ask the gate)."""
    return token_client(member("viewer", world.production), [world.production])


def _post(client, payload):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(CHECK, payload, format="json")
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def _single(world, *names, **extra):
    return {
        "production": "ALPHA",
        "action": "ai_edit",
        "assets": [world.assets[n].pk for n in names],
        "territory": "US",
        "media": "svod",
        "at": USE.isoformat(),
    } | extra


@ONE_STATEMENT
@pytest.mark.parametrize("n", [1, 50])
def test_a_check_costs_the_same_few_queries_for_1_or_50_inputs(world, mam, n):
    inputs = _wide_world(world, n)

    body, queries = _post(mam, _single(world, *inputs))

    assert body["allowed"] is True, body
    assert sum(r["code"] == "consent" for r in body["reasons"]) == 4 * n
    assert queries <= MAX_QUERIES


def _uses(world, count: int, seed: int) -> list[dict]:
    """Random single-asset uses over the world: actions, territories, media, dates, languages."""
    rng = random.Random(seed)  # noqa: S311  (a seeded test, not a secret)
    names = ["a1", "a2", "a3", "stock", "out1", "out2", "out3"]
    uses = []
    for _ in range(count):
        use = {
            "assets": [world.assets[rng.choice(names)].pk],
            "action": rng.choice(["ai_edit", "distribute", "view", "likeness_use"]),
            "territory": rng.choice(["US", "FR", "DE", "GB", "JP"]),
            "media": rng.choice(["svod", "theatrical", "broadcast"]),
            "at": rng.choice(
                ["2026-06-01T00:00:00Z", USE.isoformat(), "2027-02-28T23:30:00-08:00"]
            ),
        }
        if rng.random() < 0.3:
            use["language"] = rng.choice(["fr", "en"])
        uses.append(use)
    return uses


def _rights(world):
    """Licenses, prohibitions, windows and consents enough for uses to go both ways."""
    world.license(
        "L-1",
        permission(territory_include=["WORLD"], territory_exclude=["GB"]),
        permission("distribute", media=["svod", "broadcast"], languages=["fr"]),
        permission("view"),
        prohibition("distribute", territory_include=["JP"]),
        ends=at("2027-03-01T00:00:00+00:00"),
    )
    world.license(
        "L-2", permission("likeness_use"), coverage=Coverage.LISTED, listed=["a2", "stock"]
    )
    appears(world, "maya", "a1")
    appears(world, "leo", "a2")
    world.consent("maya-alter", "maya")
    world.consent("leo-replica", "leo", ConsentScope.DIGITAL_REPLICA_USE)


def test_bulk_answers_equal_single_answers_for_the_same_uses(world, mam):
    _rights(world)
    uses = _uses(world, 40, seed=20261202)

    bulk, _ = _post(mam, {"production": "ALPHA", "uses": uses})
    singles = [_post(mam, {"production": "ALPHA", **use})[0] for use in uses]

    assert bulk["count"] == len(uses)
    assert bulk["results"] == singles
    outcomes = {result["allowed"] for result in singles}
    assert outcomes == {True, False}  # the uses exercise both answers


@ONE_STATEMENT
@pytest.mark.parametrize("count", [1, 1000])
def test_a_bulk_check_costs_the_same_few_queries_for_1_or_1000_uses(world, mam, count):
    _rights(world)

    body, queries = _post(mam, {"production": "ALPHA", "uses": _uses(world, count, seed=7)})

    assert len(body["results"]) == count
    assert queries <= MAX_QUERIES


@pytest.mark.parametrize("n", [1, 30])
def test_a_bulk_check_walks_the_grants_it_loaded_once_not_once_per_use(world, n):
    """A cut whose every shot has its own license: each use is decided on the grants that cover
    its assets, found by coverage, and on its own assets, looked up; never by going through all
    that the bulk check loaded (which would grow with the square of the cut)."""
    inputs = _wide_world(world, n)
    uses = [
        UseRequest("ai_edit", world.production.pk, (world.assets[name].pk,), "US", "svod", USE)
        for name in inputs
    ]
    shared = load_shared_facts(uses)
    walks = []

    class Walked:
        def __iter__(self):
            walks.append(type(self).__name__)
            return super().__iter__()

    class Grants(Walked, list): ...

    class Assets(Walked, dict): ...

    shared.grants, shared.assets = Grants(shared.grants), Assets(shared.assets)

    decisions = [decide(use, shared.facts_for(use)) for use in uses]

    assert [d.allowed for d in decisions] == [True] * n
    relied_on = [{r.license for r in d.relied_on if r.code == "grant"} for d in decisions]
    assert relied_on == [{world.licenses[f"N-{i}"].pk} for i in range(n)]
    assert len(shared.grants) == n
    assert walks == ["Grants"]  # once, to index them by coverage; the assets are only looked up


def test_instants_are_echoed_and_shown_in_the_callers_offset(world, mam):
    world.license("L-1", permission(), ends=at("2027-03-01T00:00:00+00:00"))

    body, _ = _post(mam, _single(world, "a1", at="2027-02-28T23:30:00-08:00"))

    assert body["request"]["at"] == "2027-02-28T23:30:00-08:00"
    [reason] = body["reasons"]
    assert reason["code"] == "license_expired"
    assert reason["limit"] == "2027-02-28T16:00:00-08:00"
    assert "2027-03-01" not in reason["message"]


def test_uses_of_one_person_at_one_instant_written_in_two_offsets_each_show_their_own(world, mam):
    """The uses of a bulk check share a person's consent answer only where it reads the same: the
    same instant written in two offsets is worded in each one's offset."""
    world.license("L-1", permission())
    appears(world, "maya", "a1", "a2")
    world.consent("maya-alter", "maya", ends=at("2027-01-01T00:00:00+00:00"))
    uses = [
        {k: v for k, v in _single(world, name, at=instant).items() if k != "production"}
        for name, instant in [
            ("a1", "2027-03-01T07:30:00+00:00"),
            ("a2", "2027-02-28T23:30:00-08:00"),
            ("a2", "2027-03-01T07:30:00+00:00"),
        ]
    ]

    bulk, _ = _post(mam, {"production": "ALPHA", "uses": uses})

    limits = [
        [r["limit"] for r in result["reasons"] if r["code"] == "consent_expired"]
        for result in bulk["results"]
    ]
    assert limits == [
        ["2027-01-01T00:00:00+00:00"],
        ["2026-12-31T16:00:00-08:00"],
        ["2027-01-01T00:00:00+00:00"],
    ]
    singles = [_post(mam, {"production": "ALPHA", **use})[0] for use in uses]
    assert bulk["results"] == singles


@pytest.mark.parametrize("accept", ["application/json; indent=2", "text/html"])
def test_an_answer_asked_for_by_people_is_laid_out_for_them(world, mam, accept):
    """The answer is written whole at once for machines; people (indented JSON, the browsable
    API) get the same answer laid out."""
    _rights(world)
    payload = {"production": "ALPHA", "uses": _uses(world, 3, seed=5)}
    plain = mam.post(CHECK, payload, format="json").json()

    response = mam.post(CHECK, payload, format="json", HTTP_ACCEPT=accept)

    assert response.status_code == 200
    text = response.content.decode()
    if accept == "text/html":
        assert "\n    &quot;count&quot;: 3,\n    &quot;results&quot;: [" in text
    else:
        assert text.startswith('{\n  "count": 3,\n  "results": [')
        assert json.loads(text) == plain


def test_a_named_time_zone_is_how_instants_are_shown(world, mam):
    world.license("L-1", permission(), ends=at("2027-03-01T00:00:00+00:00"))
    payload = _single(world, "a1", at="2027-03-01T07:30:00Z", time_zone="Europe/Paris")

    body, _ = _post(mam, payload)

    assert body["request"]["at"] == "2027-03-01T08:30:00+01:00"
    assert body["reasons"][0]["limit"] == "2027-03-01T01:00:00+01:00"


def test_a_denied_use_names_its_reasons_by_code_and_id(world, mam):
    world.license("L-1", permission(territory_include=["WORLD"], territory_exclude=["FR"]))

    body, _ = _post(mam, _single(world, "a1", territory="FR"))

    [reason] = body["reasons"]
    grant = world.licenses["L-1"].grants.get()
    assert (reason["code"], reason["asset"], reason["license"], reason["grant"]) == (
        "territory_excluded",
        world.assets["a1"].pk,
        world.licenses["L-1"].pk,
        grant.pk,
    )
    assert (reason["dimension"], reason["value"]) == ("territory", "FR")


# --- bad input -------------------------------------------------------------------------------------


def _refused(client, payload, status):
    before = (GateEvaluation.objects.count(), AuditEvent.objects.count())
    response = client.post(CHECK, payload, format="json")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert (GateEvaluation.objects.count(), AuditEvent.objects.count()) == before
    return response


def test_a_bulk_check_without_uses_is_refused(world, mam):
    response = _refused(mam, {"production": "ALPHA", "uses": []}, 400)
    assert fields_of(response) == {"uses"}


def test_a_bulk_check_over_the_limit_is_refused_naming_it(world, mam):
    uses = _uses(world, MAX_USES + 1, seed=1)

    response = _refused(mam, {"production": "ALPHA", "uses": uses}, 413)

    assert f"at most {MAX_USES} uses" in response.json()["detail"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"territory": "EU"}, "uses.3.territory"),
        ({"media": "cinema"}, "uses.3.media"),
        ({"assets": []}, "uses.3.assets"),
        ({"assets": ["x"]}, "uses.3.assets.0"),
        ({"assets": [999_999_999]}, "uses.3.assets.0"),
        ({"at": "yesterday"}, "uses.3.at"),
        ({"colour": "red"}, "uses.3.colour"),
    ],
)
def test_one_malformed_use_among_good_ones_is_named_by_its_index(world, mam, bad, field):
    uses = _uses(world, 6, seed=3)
    uses[3] = uses[3] | bad

    response = _refused(mam, {"production": "ALPHA", "uses": uses}, 400)

    assert fields_of(response) == {field}


def test_an_asset_of_a_production_the_token_cannot_see_is_refused(world, mam):
    uses = _uses(world, 2, seed=4)
    uses[1]["assets"] = [world.assets["foreign"].pk]

    response = _refused(mam, {"production": "ALPHA", "uses": uses}, 400)

    assert fields_of(response) == {"uses.1.assets.0"}


def test_an_unknown_time_zone_is_refused(world, mam):
    response = _refused(mam, _single(world, "a1", time_zone="Mars/Olympus"), 400)
    assert fields_of(response) == {"time_zone"}
