"""Licenses as ODRL 2.2 JSON-LD: the export's shape, and a lossless export -> import -> export."""

import copy
import datetime as dt

import pytest

from licensing.choices import Coverage
from licensing.models import License
from licensing.odrl import ODRL_CONTEXT
from licensing.services.licenses import GRANT_FIELDS
from tests.licensing.world import NY, TOKYO, permission, prohibition

XSD_DATE_TIME = "xsd:dateTime"

URL = "/api/v1/licenses/"
FROM = dt.datetime(2026, 3, 1, 9, 30, tzinfo=NY)
UNTIL = dt.datetime(2027, 9, 1, 18, 0, tzinfo=TOKYO)


@pytest.fixture
def contract(world):
    """A listed license with two permissions and a prohibition, using every constraint and duty."""
    return world.license(
        "LIC-ODRL",
        permission(
            "distribute",
            territory_include=["EU", "US"],
            territory_exclude=["FR"],
            media=["svod", "theatrical"],
            languages=["en", "de"],
            valid_from=FROM,
            valid_until=UNTIL,
            productions=[world.production, world.other],
            exclusive=True,
            attribution="Footage courtesy of StockCo",
            notice="Send StockCo the air dates.",
            section="§2.1",
        ),
        prohibition("ai_generative_train", section="§7"),
        permission("ai_edit", territory_include=["WORLD"], section="§4"),
        coverage=Coverage.LISTED,
        listed=["a1", "a2"],
        starts=dt.datetime(2026, 1, 1, tzinfo=NY),
        ends=dt.datetime(2029, 1, 1, tzinfo=TOKYO),
    )


def _export(client, lic) -> dict:
    response = client.get(f"{URL}{lic.pk}/odrl/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/ld+json")
    return response.json()


def _constraints(rule) -> dict:
    return {(c["leftOperand"], c["operator"]): c["rightOperand"] for c in rule["constraint"]}


def test_the_export_is_an_odrl_agreement(world, legal, client_as, contract):
    policy = _export(client_as(legal), contract)

    assert ODRL_CONTEXT in policy["@context"]
    assert policy["@type"] == "Agreement"
    assert policy["uid"] == "urn:clearcut:license:ALPHA:LIC-ODRL"
    assert policy["conflict"] == "prohibit"
    assert policy["assigner"] == {
        "@type": "Party",
        "uid": "urn:clearcut:party:StockCo",
        "clearcut:name": "StockCo",
    }
    assert policy["assignee"]["clearcut:name"] == "Studio"
    for rule in policy["permission"] + policy["prohibition"]:
        assert (rule["assigner"], rule["assignee"]) == (
            "urn:clearcut:party:StockCo",
            "urn:clearcut:party:Studio",
        )
    assert sorted(policy["clearcut:assets"]) == sorted(world.assets[n].sha256 for n in ("a1", "a2"))
    assert [r["action"] for r in policy["permission"]] == ["distribute", "clearcut:ai_edit"]
    assert [r["action"] for r in policy["prohibition"]] == ["clearcut:ai_generative_train"]
    assert {r["target"] for r in policy["permission"] + policy["prohibition"]} == {
        "urn:clearcut:license:ALPHA:LIC-ODRL:assets"
    }


def test_every_constraint_and_duty_is_exported(world, legal, client_as, contract):
    distribute = _export(client_as(legal), contract)["permission"][0]

    assert all(
        set(c) == {"leftOperand", "operator", "rightOperand"} for c in distribute["constraint"]
    )
    constraints = _constraints(distribute)
    assert constraints[("spatial", "isAnyOf")] == ["EU", "US"]
    assert constraints[("spatial", "isNoneOf")] == ["FR"]
    assert constraints[("media", "isAnyOf")] == ["svod", "theatrical"]
    assert constraints[("language", "isAnyOf")] == ["en", "de"]
    assert constraints[("clearcut:production", "isAnyOf")] == ["ALPHA", "BRAVO"]
    start, end = constraints[("dateTime", "gteq")], constraints[("dateTime", "lt")]
    assert start["@type"] == end["@type"] == XSD_DATE_TIME
    assert dt.datetime.fromisoformat(start["@value"]) == FROM
    assert dt.datetime.fromisoformat(end["@value"]) == UNTIL
    assert len(constraints) == len(distribute["constraint"]) == 7
    assert {d["action"]: d["clearcut:text"] for d in distribute["duty"]} == {
        "attribute": "Footage courtesy of StockCo",
        "inform": "Send StockCo the air dates.",
    }
    assert (distribute["clearcut:section"], distribute["clearcut:exclusive"]) == ("§2.1", True)


def test_a_rule_without_limits_has_no_constraint_or_duty(world, legal, client_as, contract):
    [never_train] = _export(client_as(legal), contract)["prohibition"]

    assert "constraint" not in never_train
    assert "duty" not in never_train
    assert (never_train["clearcut:section"], never_train["clearcut:exclusive"]) == ("§7", False)


def _as_tokyo_time(policy: dict) -> dict:
    """The same instants written with a +09:00 offset: an importer must compare instants."""
    policy = copy.deepcopy(policy)
    literals = [policy["clearcut:startsAt"], policy["clearcut:endsAt"]]
    for rule in policy["permission"] + policy["prohibition"]:
        for constraint in rule.get("constraint", []):
            if constraint["leftOperand"] == "dateTime":
                literals.append(constraint["rightOperand"])
    for literal in literals:
        moment = dt.datetime.fromisoformat(literal["@value"])
        literal["@value"] = moment.astimezone(TOKYO).isoformat()
    return policy


def _renamed(policy: dict, old: str, new: str) -> dict:
    """Every string naming the license by its reference, renamed (uid, reference, rule targets)."""
    policy = copy.deepcopy(policy)
    policy["uid"] = policy["uid"].replace(old, new)
    policy["clearcut:reference"] = new
    for rule in policy["permission"] + policy["prohibition"]:
        rule["target"] = rule["target"].replace(old, new)
    return policy


@pytest.fixture
def round_trip(world, legal, client_as, contract):
    client = client_as(legal)
    first = _export(client, contract)
    policy = _as_tokyo_time(_renamed(first, "LIC-ODRL", "LIC-COPY"))

    response = client.post(
        f"{URL}import-odrl/", {"production": "ALPHA", "policy": policy}, format="json"
    )

    assert response.status_code == 201, response.content
    copied = License.objects.get(pk=response.json()["id"])
    return first, _export(client, copied), copied


def test_export_import_export_gives_the_same_policy(contract, round_trip):
    first, second, copied = round_trip

    assert copied.reference == "LIC-COPY"
    assert second == _renamed(first, "LIC-ODRL", "LIC-COPY")


def _grant_facts(lic) -> list[dict]:
    facts = []
    for grant in lic.grants.all():
        row = {name: getattr(grant, name) for name in GRANT_FIELDS}
        row["productions"] = sorted(p.code for p in grant.productions.all())
        facts.append(row)
    return sorted(facts, key=lambda row: (row["kind"], row["section"]))


def test_the_round_trip_keeps_every_grant_field(contract, round_trip):
    _, _, copied = round_trip

    original, imported = _grant_facts(contract), _grant_facts(copied)

    assert len(imported) == len(original) == 3
    for before, after in zip(original, imported, strict=True):
        for name in (*GRANT_FIELDS, "productions"):
            assert after[name] == before[name], (before["section"], name)
    distribute = next(row for row in imported if row["action"] == "distribute")
    assert (distribute["valid_from"], distribute["valid_until"]) == (FROM, UNTIL)


def test_the_round_trip_keeps_the_license_terms(world, contract, round_trip):
    _, _, copied = round_trip

    def terms(lic):
        return (
            lic.title,
            lic.status,
            lic.coverage,
            lic.starts_at,
            lic.ends_at,
            lic.licensor_id,
            lic.licensee_id,
            sorted(lic.assets.values_list("pk", flat=True)),
        )

    assert terms(copied) == terms(contract)
    assert copied.starts_at == dt.datetime(2026, 1, 1, tzinfo=NY)


def test_the_round_trip_keeps_the_contract_document(world, legal, client_as):
    """The module promises "the round trip keeps everything we hold": the signed contract too."""
    signed = world.license("LIC-SIGNED", permission(), coverage=Coverage.LISTED, listed=["a1"])
    signed.contract_document = world.assets["a3"]
    signed.save(update_fields=["contract_document"])
    client = client_as(legal)
    policy = _renamed(_export(client, signed), "LIC-SIGNED", "LIC-SIGNED-2")

    response = client.post(
        f"{URL}import-odrl/", {"production": "ALPHA", "policy": policy}, format="json"
    )

    assert response.status_code == 201, response.content
    assert License.objects.get(reference="LIC-SIGNED-2").contract_document == world.assets["a3"]
