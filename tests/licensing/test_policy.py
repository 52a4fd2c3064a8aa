"""The gate, scenario by scenario. Each row: given licenses and consents, a request, the answer."""

from dataclasses import fields

import pytest
from django.db import connection

from licensing.choices import Coverage
from licensing.gate import Reason, UseRequest, evaluate
from licensing.gate.decision import REASON_CODES
from licensing.models import Grant
from tests.licensing.scenarios import WORLD_OK
from tests.licensing.scenarios_grants import GRANT_SCENARIOS
from tests.licensing.scenarios_lineage import LINEAGE_AND_PEOPLE_SCENARIOS
from tests.licensing.world import (
    USE,
    appears,
    build_world,
    permission,
)

SCENARIOS = GRANT_SCENARIOS + LINEAGE_AND_PEOPLE_SCENARIOS


@pytest.fixture
def world(db):
    return build_world()


def _resolve(world, expected: dict) -> dict:
    """The structured reason a scenario expects, its names turned into the world's ids."""
    resolved = {"code": expected["code"]}
    for key, value in expected.items():
        if key == "asset":
            resolved["asset"] = world.assets[value].pk
        elif key == "license":
            resolved["license"] = world.licenses[value].pk
        elif key == "person":
            resolved["person"] = world.people[value].pk
        elif key == "consent":
            resolved["consent"] = world.consents[value].pk
        elif key == "taint_cause":
            cause_type, consent = value
            resolved["taint_cause"] = {"type": cause_type, "id": world.consents[consent].pk}
        elif key != "code":
            resolved[key] = value
    return resolved


@pytest.mark.parametrize(
    ("setup", "request_kwargs", "allowed", "expected", "structured"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_scenario(world, setup, request_kwargs, allowed, expected, structured):
    setup(world)
    kwargs = dict(request_kwargs)
    assets = kwargs.pop("assets", ("a1",))

    decision = evaluate(world.request(*assets, **kwargs))

    assert decision.allowed is allowed, decision.summary()
    reason = next((r for r in decision.reasons if expected in r.message), None)
    assert reason is not None, decision.summary()
    want = _resolve(world, structured)
    assert {key: getattr(reason, key) for key in want} == want, decision.summary()
    if reason.license is not None:  # the grant named is one of that license's
        assert reason.grant in {g.pk for g in Grant.objects.filter(license_id=reason.license)}
    assert reason.code in REASON_CODES


def test_there_are_at_least_forty_scenarios():
    assert len(SCENARIOS) >= 40


def test_an_unknown_asset_is_denied(world):
    WORLD_OK(world)
    request = world.request("a1")
    request = type(request)(**{**request.__dict__, "asset_ids": (999_999,)})

    decision = evaluate(request)

    assert not decision.allowed
    assert decision.blocking[0].code == "unknown_asset"


def test_duties_of_the_grant_relied_on_are_reported(world):
    world.license(
        "L-1", permission(attribution="Footage courtesy of StockCo", notice="Do not crop the logo")
    )

    decision = evaluate(world.request("a1"))

    grant = decision.relied_on[0]
    assert grant.refs["attribution"] == "Footage courtesy of StockCo"
    assert grant.refs["license"] == "L-1"


def _wide_world(world, n):
    """n inputs, each the output of its own footage, 4 people in each, each with its own license."""
    from tests.licensing.world import _asset, _derive

    inputs = []
    for i in range(n):
        footage = _asset(world.production, f"f{i}")
        output = _asset(world.production, f"o{i}", "ai_output")
        _derive(world.production, output, footage, 100 + i)
        world.assets[f"o{i}"] = output
        world.assets[f"f{i}"] = footage
        world.license(f"N-{i}", permission(), coverage=Coverage.LISTED, listed=[f"f{i}"])
        for p in range(4):
            from assets.models import Person

            person = Person.objects.create(name=f"P{i}-{p}")
            person.productions.set([world.production])
            world.people[person.name] = person
            appears(world, person.name, f"f{i}")
            world.consent(f"{person.name}", person.name)
        inputs.append(f"o{i}")
    return inputs


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="one statement on PostgreSQL; SQLite runs embedded"
)
@pytest.mark.parametrize("n", [1, 50])
def test_the_number_of_queries_does_not_grow_with_the_request(world, n, django_assert_num_queries):
    inputs = _wide_world(world, n)

    with django_assert_num_queries(1):
        decision = evaluate(world.request(*inputs))

    assert decision.allowed, decision.summary()
    assert sum(r.code == "consent" for r in decision.reasons) == 4 * n


def test_use_date_defaults_are_timezone_aware(world):
    assert USE.tzinfo is not None


def test_an_answer_as_json_names_every_field_of_the_request_and_of_each_reason(world):
    world.license("L-1", permission(territory_include=["FR"]))

    decision = evaluate(world.request("a1"))
    answer = decision.as_dict()

    assert set(answer["request"]) == {f.name for f in fields(UseRequest)}
    assert answer["reasons"]
    for reason in answer["reasons"]:
        assert set(reason) == {f.name for f in fields(Reason)}
