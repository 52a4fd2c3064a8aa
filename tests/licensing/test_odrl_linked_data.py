"""Every ODRL export is valid linked data, read by an independent JSON-LD processor (pyld) with the
official ODRL 2.2 context kept under tests/: ODRL IRIs, both parties on every rule, typed dates,
IRIs without spaces, duties only on permissions, nothing a processor would drop. And the exact
meaning of date constraints: which instants a grant allows, for every operator."""

import datetime as dt
import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from pyld import jsonld

from licensing.choices import Coverage
from licensing.models import License, Party
from tests.licensing.jsonld import ODRL, OPTIONS, XSD, expand, triples
from tests.licensing.world import NY, TOKYO, permission, prohibition

URL = "/api/v1/licenses/"
NS = "https://clearcut.invalid/ns#"
IRI = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+|_:b\d+)")


@pytest.fixture
def exports(world, legal, client_as):
    """Three licenses' exports: every constraint and duty; names with spaces and a '/'; no end."""
    odd = Party.objects.create(name="Archive & Co / Paris")
    world.license(
        "LIC-ALL",
        permission(
            "distribute",
            territory_include=["EU", "US"],
            territory_exclude=["FR"],
            media=["svod"],
            languages=["en"],
            valid_from=dt.datetime(2026, 3, 1, 9, 30, tzinfo=NY),
            valid_until=dt.datetime(2027, 9, 1, 18, 0, 0, 250, tzinfo=TOKYO),
            productions=[world.production],
            attribution="Courtesy of StockCo",
            notice="Tell StockCo.",
        ),
        prohibition("ai_generative_train", territory_include=["WORLD"]),
        coverage=Coverage.LISTED,
        listed=["a1"],
        ends=dt.datetime(2029, 1, 1, tzinfo=TOKYO),
    )
    world.license("LIC 2/b", permission("ai_edit"), prohibition("view"), licensor=odd)
    world.license("LIC-3", permission("derive", valid_until=dt.datetime(2030, 1, 1, tzinfo=NY)))
    client = client_as(legal)
    documents = {}
    for lic in License.objects.all():
        response = client.get(f"{URL}{lic.pk}/odrl/")
        assert response.status_code == 200, response.content
        documents[lic.reference] = response.json()
    return documents


def _nodes(expanded: list) -> list[dict]:
    """Every node object in an expanded document."""
    found, stack = [], list(expanded)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@value" not in item:
                found.append(item)
            stack += [v for key, values in item.items() if not key.startswith("@") for v in values]
    return found


def test_every_export_expands_to_odrl_iris_with_both_parties(exports):
    for document in exports.values():
        [policy] = expand(document)
        assert policy["@type"] == [ODRL + "Agreement"]
        assert policy[ODRL + "conflict"] == [{"@id": ODRL + "prohibit"}]
        rules = policy[ODRL + "permission"] + policy.get(ODRL + "prohibition", [])
        assert rules
        for node in (policy, *rules):
            assert len(node[ODRL + "assigner"]) == len(node[ODRL + "assignee"]) == 1
        assigner = policy[ODRL + "assigner"][0]["@id"]
        assert {r[ODRL + "assigner"][0]["@id"] for r in rules} == {assigner}
        for rule in rules:
            [action] = rule[ODRL + "action"]
            assert action["@id"].startswith((ODRL, NS))
            assert rule[ODRL + "target"][0]["@id"].startswith("urn:clearcut:license:")
        for node in _nodes([policy]):
            for key in node:
                assert key.startswith(("@", ODRL, NS)), key


def test_every_identifier_is_an_iri_without_spaces(exports):
    for document in exports.values():
        for subject, _, obj in triples(document):
            assert IRI.fullmatch(subject), subject
            if not obj.startswith('"'):
                assert IRI.fullmatch(obj), obj
    odd = exports["LIC 2/b"]
    assert odd["uid"] == "urn:clearcut:license:ALPHA:LIC%202%2Fb"
    assert odd["assigner"]["uid"] == "urn:clearcut:party:Archive%20%26%20Co%20%2F%20Paris"
    assert odd["assigner"]["clearcut:name"] == "Archive & Co / Paris"


def test_dates_are_typed_date_times(exports):
    everything = set().union(*(triples(d) for d in exports.values()))
    dated = {
        (p, o)
        for _, p, o in everything
        if p in (ODRL + "rightOperand", NS + "startsAt", NS + "endsAt") and "T" in o and "-" in o
    }
    assert dated
    assert all(o.endswith("^^" + XSD + "dateTime") for _, o in dated), dated
    starts = {o for _, p, o in everything if p == NS + "startsAt"}
    assert len(starts) == 1  # all three start at T0, written the same way


def test_duties_only_on_permissions(exports):
    for document in exports.values():
        [policy] = expand(document)
        for rule in policy.get(ODRL + "prohibition", []):
            assert ODRL + "duty" not in rule
            assert ODRL + "remedy" not in rule
    [distribute] = exports["LIC-ALL"]["permission"]
    assert {d["action"] for d in distribute["duty"]} == {"attribute", "inform"}


def _normal(value):
    """JSON-LD's equivalences: a one-item list is the item; null and [] say nothing."""
    if isinstance(value, list):
        items = [_normal(v) for v in value if v is not None]
        return items[0] if len(items) == 1 else items
    if isinstance(value, dict):
        # The ODRL context aliases @type as "type"; a compacting processor may use either.
        return {
            "@type" if k == "type" else k: _normal(v)
            for k, v in value.items()
            if v is not None and v != []
        }
    return value


def test_a_json_ld_processor_drops_nothing(exports):
    """Compacting the expanded document with its own context gives the document back: every key
    and value was understood (a key without an IRI would have been dropped on expansion)."""
    for document in exports.values():
        context = {"@context": document["@context"]}
        again = jsonld.compact(expand(document), context, OPTIONS)
        assert _normal(again) == _normal(document)


def test_accept_ld_json_is_honoured(world, legal, client_as, exports):
    client, lic = client_as(legal), License.objects.get(reference="LIC-3")

    as_ld = client.get(f"{URL}{lic.pk}/odrl/", HTTP_ACCEPT="application/ld+json")
    as_json = client.get(f"{URL}{lic.pk}/odrl/", HTTP_ACCEPT="application/json")
    default = client.get(f"{URL}{lic.pk}/odrl/")
    missing = client.get(f"{URL}999999/odrl/", HTTP_ACCEPT="application/ld+json")

    assert as_ld["Content-Type"].startswith("application/ld+json")
    assert default["Content-Type"].startswith("application/ld+json")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_ld.json() == as_json.json() == default.json()
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")


def test_openapi_says_ld_json():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    content = schema["paths"]["/api/v1/licenses/{id}/odrl/"]["get"]["responses"]["200"]["content"]
    assert list(content)[0] == "application/ld+json"


# --- exact date semantics --------------------------------------------------------------------------

IMPORT = f"{URL}import-odrl/"
STEP = dt.timedelta(microseconds=1)


def _allowed_by_odrl(operator: str, value: str, moment: dt.datetime) -> bool:
    """The reference meaning, written independently: a date-time compares as an instant; a date
    (read in UTC, or in its own offset) compares by the day the instant falls on."""
    if "T" in value:
        other = dt.datetime.fromisoformat(value)
        left, right = moment, other
    else:
        day, _, zone = value.partition("+")
        tz = dt.timezone(dt.timedelta(hours=int(zone[:2]))) if zone else dt.UTC
        left, right = moment.astimezone(tz).date(), dt.date.fromisoformat(day)
    return {
        "eq": left == right,
        "lt": left < right,
        "lteq": left <= right,
        "gt": left > right,
        "gteq": left >= right,
    }[operator]


def _probes(value: str) -> list[dt.datetime]:
    if "T" in value:
        base = dt.datetime.fromisoformat(value)
    else:
        day, _, zone = value.partition("+")
        tz = dt.timezone(dt.timedelta(hours=int(zone[:2]))) if zone else dt.UTC
        base = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), tz)
    edges = [base, base + dt.timedelta(days=1)] if "T" not in value else [base]
    offsets = (-dt.timedelta(hours=1), -STEP, dt.timedelta(0), STEP, dt.timedelta(hours=1))
    return [edge + offset for edge in edges for offset in offsets]


@pytest.mark.parametrize("operator", ["eq", "lt", "lteq", "gt", "gteq"])
@pytest.mark.parametrize(
    ("value", "datatype"),
    [
        ("2027-03-01", "xsd:date"),
        ("2027-03-01+09:00", "xsd:date"),
        ("2027-03-01T23:30:00-08:00", "xsd:dateTime"),
        ("2027-03-01T00:00:00.000500+00:00", "xsd:dateTime"),
    ],
)
def test_no_conversion_changes_which_instants_are_allowed(
    world, legal, client_as, operator, value, datatype
):
    client = client_as(legal)
    policy = {
        "@context": "http://www.w3.org/ns/odrl.jsonld",
        "@type": "Agreement",
        "uid": "http://example.com/policy:dates",
        "clearcut:startsAt": "2026-01-01T00:00:00Z",
        "permission": [
            {
                "target": "http://example.com/asset:1",
                "assigner": "http://example.com/a",
                "assignee": "http://example.com/b",
                "action": "distribute",
                "constraint": [
                    {
                        "leftOperand": "dateTime",
                        "operator": operator,
                        "rightOperand": {"@value": value, "@type": datatype},
                    }
                ],
            }
        ],
    }

    response = client.post(IMPORT, {"production": "ALPHA", "policy": policy}, format="json")

    assert response.status_code == 201, response.content
    lic = License.objects.get(pk=response.json()["id"])
    [grant] = lic.grants.all()
    for moment in _probes(value):
        in_window = (grant.valid_from is None or grant.valid_from <= moment) and (
            grant.valid_until is None or moment < grant.valid_until
        )
        assert in_window == _allowed_by_odrl(operator, value, moment), moment
    exported = client.get(f"{URL}{lic.pk}/odrl/").json()["permission"][0]["constraint"]
    assert {(c["operator"], c["rightOperand"]["@type"]) for c in exported} <= {
        ("gteq", "xsd:dateTime"),
        ("lt", "xsd:dateTime"),
    }
