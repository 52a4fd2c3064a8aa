"""Policies in the forms of the ODRL 2.2 Recommendation: each imported exactly, grant by grant, or
refused with a 400 that names the JSON pointer and the term, importing nothing."""

import datetime as dt

import pytest

from licensing.models import Grant, License, Party
from studio.models import AuditEvent
from tests.licensing.helpers import PROBLEM

IMPORT = "/api/v1/licenses/import-odrl/"
ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
UTC = dt.UTC
ORG, BILLIE = "http://example.com/org/sony-music", "http://example.com/people/billie"
ASSET = "http://example.com/music/1999.mp3"


def agreement(*permissions, prohibitions=(), **policy):
    """An Agreement between ORG and BILLIE (at rule level, as in the Recommendation's examples),
    with our profile's start, which a license needs."""
    return {
        "@context": ODRL_CONTEXT,
        "@type": "Agreement",
        "uid": "http://example.com/policy:1012",
        "clearcut:startsAt": "2026-01-01T00:00:00Z",
        "permission": list(permissions),
        "prohibition": list(prohibitions),
    } | policy


def rule(action="display", **extra):
    return {"target": ASSET, "assigner": ORG, "assignee": BILLIE, "action": action} | extra


def constraint(operand, operator, value):
    return {"leftOperand": operand, "operator": operator, "rightOperand": value}


def date(value):
    return {"@value": value, "@type": "xsd:date"}


def date_time(value):
    return {"@value": value, "@type": "xsd:dateTime"}


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def grant(action, kind="permission", **fields):
    base = {
        "kind": kind,
        "action": action,
        "territory_include": [],
        "territory_exclude": [],
        "media": [],
        "languages": [],
        "valid_from": None,
        "valid_until": None,
        "attribution": "",
        "notice": "",
    }
    return base | fields


IMPORTED = {
    "atomic rule, action as a term": (agreement(rule()), [grant("view")]),
    "action as a compact IRI": (agreement(rule("odrl:distribute")), [grant("distribute")]),
    "action as an IRI object": (agreement(rule({"@id": "odrl:modify"})), [grant("edit")]),
    "action as a full IRI object": (
        agreement(rule({"@id": "http://www.w3.org/ns/odrl/2/derive"})),
        [grant("derive")],
    ),
    "action as rdf:value without refinement": (
        agreement(rule([{"rdf:value": {"@id": "odrl:display"}}])),
        [grant("view")],
    ),
    "action list: one grant per action (IM 2.7)": (
        agreement(rule(["display", "distribute"])),
        [grant("view"), grant("distribute")],
    ),
    "@type as a list, our profile's action": (
        agreement(rule("clearcut:ai_edit"), **{"@type": ["Agreement"]}),
        [grant("ai_edit")],
    ),
    "type alias and compact IRI": (
        {k: v for k, v in agreement(rule()).items() if k != "@type"} | {"type": "odrl:Agreement"},
        [grant("view")],
    ),
    "operands and operators as IRI objects": (
        agreement(
            rule(
                constraint=[
                    {
                        "leftOperand": {"@id": "odrl:spatial"},
                        "operator": {"@id": "http://www.w3.org/ns/odrl/2/isAnyOf"},
                        "rightOperand": ["US", "CA"],
                    }
                ]
            )
        ),
        [grant("view", territory_include=["US", "CA"])],
    ),
    "spatial as an ISO 3166 IRI (Recommendation example 17)": (
        agreement(
            rule(
                constraint=[
                    constraint("spatial", "eq", "https://www.iso.org/obp/ui/#iso:code:3166:IT")
                ]
            )
        ),
        [grant("view", territory_include=["IT"])],
    ),
    "lteq an xsd:date keeps the whole day (IM 2.6.1 example)": (
        agreement(rule(constraint=[constraint("dateTime", "lteq", date("2027-12-31"))])),
        [grant("view", valid_until=at(2028, 1, 1))],
    ),
    "lt an xsd:date excludes the day (IM 2.5.3 example)": (
        agreement(rule(constraint=[constraint("dateTime", "lt", date("2028-01-01"))])),
        [grant("view", valid_until=at(2028, 1, 1))],
    ),
    "a plain string date, gteq": (
        agreement(rule(constraint=[constraint("dateTime", "gteq", "2027-03-01")])),
        [grant("view", valid_from=at(2027, 3, 1))],
    ),
    "gt an xsd:dateTime with an offset is one microsecond later": (
        agreement(
            rule(constraint=[constraint("dateTime", "gt", date_time("2027-03-01T09:00:00-08:00"))])
        ),
        [grant("view", valid_from=at(2027, 3, 1, 17, 0, 0, 1))],
    ),
    "eq a date is that whole day": (
        agreement(rule(constraint=[constraint("dateTime", "eq", date("2027-03-01+09:00"))])),
        [
            grant(
                "view",
                valid_from=dt.datetime(2027, 3, 1, tzinfo=dt.timezone(dt.timedelta(hours=9))),
                valid_until=dt.datetime(2027, 3, 2, tzinfo=dt.timezone(dt.timedelta(hours=9))),
            )
        ],
    ),
    "two windows intersect": (
        agreement(
            rule(
                constraint=[
                    constraint("dateTime", "gteq", "2027-01-01"),
                    constraint("dateTime", "gteq", "2027-02-01"),
                    constraint("dateTime", "lt", "2027-06-01"),
                ]
            )
        ),
        [grant("view", valid_from=at(2027, 2, 1), valid_until=at(2027, 6, 1))],
    ),
    "an 'and' of inline constraints is the conjunction": (
        agreement(
            rule(
                constraint=[
                    {
                        "and": {
                            "@list": [
                                constraint("spatial", "isAnyOf", ["EU"]),
                                constraint("spatial", "isAnyOf", ["DE", "US"]),
                                constraint("media", "eq", "svod"),
                            ]
                        }
                    }
                ]
            )
        ),
        [grant("view", territory_include=["DE"], media=["svod"])],
    ),
    "exclusions add up": (
        agreement(
            rule(
                constraint=[
                    constraint("spatial", "isNoneOf", ["FR"]),
                    constraint("spatial", "neq", "US"),
                ]
            )
        ),
        [grant("view", territory_exclude=["FR", "US"])],
    ),
    "parties at policy level, repeated at rule level": (
        agreement(
            {"target": ASSET, "action": "display", "assignee": BILLIE},
            assigner={"@type": "Party", "uid": ORG},
            assignee=BILLIE,
        ),
        [grant("view")],
    ),
    "compact policy: shared target, parties and action (IM 2.7.1)": (
        {
            "@context": ODRL_CONTEXT,
            "@type": "Agreement",
            "uid": "http://example.com/policy:8888",
            "clearcut:startsAt": "2026-01-01T00:00:00Z",
            "conflict": "prohibit",
            "target": ASSET,
            "assigner": ORG,
            "assignee": BILLIE,
            "action": "display",
            "permission": [
                {"constraint": [constraint("media", "eq", "svod")]},
                {"action": "distribute"},
            ],
            "prohibition": [{"constraint": [constraint("spatial", "eq", "FR")]}],
        },
        [
            grant("view", media=["svod"]),
            grant("distribute"),
            grant("view"),
            grant("view", kind="prohibition", territory_include=["FR"]),
        ],
    ),
    "conflict perm where no rules clash (IM 2.6.2 example)": (
        agreement(rule(), prohibitions=[rule("distribute")], conflict="perm"),
        [grant("view"), grant("distribute", kind="prohibition")],
    ),
    "an attribution duty with its text; the core profile": (
        agreement(
            rule(duty=[{"action": "attribute", "clearcut:text": "Courtesy of Sony"}]),
            profile="http://www.w3.org/ns/odrl/2/core",
        ),
        [grant("view", attribution="Courtesy of Sony")],
    ),
}


def _import(client, policy):
    return client.post(IMPORT, {"production": "ALPHA", "policy": policy}, format="json")


def _grants(license) -> list[dict]:
    fields = list(grant("x"))
    return [{f: getattr(g, f) for f in fields} for g in license.grants.order_by("id")]


@pytest.mark.parametrize("case", list(IMPORTED))
def test_a_recommendation_form_imports_exactly(world, legal, client_as, case):
    policy, expected = IMPORTED[case]

    response = _import(client_as(legal), policy)

    assert response.status_code == 201, response.content
    license = License.objects.get(pk=response.json()["id"])
    assert _grants(license) == expected
    assert (license.licensor.name, license.licensee.name) == (ORG, BILLIE)


RESOLUTION = [constraint("resolution", "lteq", {"@value": "1200", "@type": "xsd:integer"})]
REFUSED = {
    # case: (policy, the field in dots, the JSON pointer, the term the message names)
    "action refinement, rdf:value form (IM 2.5.4)": (
        agreement(rule([{"rdf:value": {"@id": "odrl:distribute"}, "refinement": RESOLUTION}])),
        "permission.0.action.0.refinement",
        "/permission/0/action/0/refinement",
        "refinement",
    ),
    "action refinement, @id form": (
        agreement(rule({"@id": "odrl:distribute", "refinement": RESOLUTION})),
        "permission.0.action.refinement",
        "/permission/0/action/refinement",
        "refinement",
    ),
    "a prohibition's remedy (IM 2.6.7)": (
        agreement(
            prohibitions=[rule("distribute", remedy=[{"action": "anonymize", "target": ASSET}])]
        ),
        "prohibition.0.remedy",
        "/prohibition/0/remedy",
        "remedy",
    ),
    "a duty on a prohibition": (
        agreement(prohibitions=[rule("distribute", duty=[{"action": "inform"}])]),
        "prohibition.0.duty",
        "/prohibition/0/duty",
        "duty",
    ),
    "a policy-level obligation (IM 2.6.4)": (
        agreement(rule(), obligation=[{"action": "delete", "target": ASSET}]),
        "obligation",
        "/obligation",
        "obligation",
    ),
    "inheritFrom (IM 2.9)": (
        agreement(rule(), inheritFrom="http://example.com/policy:default"),
        "inheritFrom",
        "/inheritFrom",
        "inheritFrom",
    ),
    "inheritFrom in a cycle": (
        agreement(rule(), inheritFrom="http://example.com/policy:1012"),
        "inheritFrom",
        "/inheritFrom",
        "cycle",
    ),
    "a rule-level assignee differing from the policy's": (
        agreement(
            {"target": ASSET, "action": "display", "assignee": "http://example.com/people/murphy"},
            assigner=ORG,
            assignee=BILLIE,
        ),
        "permission.0.assignee",
        "/permission/0/assignee",
        "assignee",
    ),
    "rules with different assigners": (
        agreement(rule(), rule("distribute", assigner="http://example.com/org/other")),
        "permission.1.assigner",
        "/permission/1/assigner",
        "assigner",
    ),
    "an operand we do not know": (
        agreement(rule(constraint=[constraint("purpose", "eq", "research")])),
        "permission.0.constraint.0.leftOperand",
        "/permission/0/constraint/0/leftOperand",
        "purpose",
    ),
    "a logical 'or'": (
        agreement(rule(constraint=[{"or": [constraint("media", "eq", "svod")]}])),
        "permission.0.constraint.0.or",
        "/permission/0/constraint/0/or",
        "or",
    ),
    "a logical 'xone' of references (IM 2.5.4)": (
        agreement(
            rule(
                constraint=[
                    {
                        "xone": {
                            "@list": [
                                {"@id": "http://example.com/p:88/C1"},
                                {"@id": "http://example.com/p:88/C2"},
                            ]
                        }
                    }
                ]
            )
        ),
        "permission.0.constraint.0.xone",
        "/permission/0/constraint/0/xone",
        "xone",
    ),
    "an 'or' inside an 'and'": (
        agreement(
            rule(
                constraint=[
                    {
                        "and": {
                            "@list": [
                                constraint("media", "eq", "svod"),
                                {"or": [constraint("spatial", "eq", "US")]},
                            ]
                        }
                    }
                ]
            )
        ),
        "permission.0.constraint.0.and.@list.1.or",
        "/permission/0/constraint/0/and/@list/1/or",
        "or",
    ),
    "an 'and' of references": (
        agreement(rule(constraint=[{"and": [{"@id": "http://example.com/p:88/C1"}]}])),
        "permission.0.constraint.0.and.0",
        "/permission/0/constraint/0/and/0",
        "references",
    ),
    "a typed literal of the wrong type": (
        agreement(
            rule(
                constraint=[
                    constraint("dateTime", "lt", {"@value": "2028", "@type": "xsd:integer"})
                ]
            )
        ),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "xsd:integer",
    ),
    "an xsd:date that is a date-time": (
        agreement(rule(constraint=[constraint("dateTime", "lt", date("2028-01-01T00:00:00Z"))])),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "xsd:date",
    ),
    "a date-time past the years we hold": (
        agreement(
            rule(constraint=[constraint("dateTime", "lteq", date_time("9999-12-31T23:59:59Z"))])
        ),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "9999",
    ),
    "a territory typed as a date": (
        agreement(rule(constraint=[constraint("spatial", "eq", date("2028-01-01"))])),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "xsd:date",
    ),
    "a list where one operator is expected": (
        agreement(rule(constraint=[constraint("media", ["eq"], "svod")])),
        "permission.0.constraint.0.operator",
        "/permission/0/constraint/0/operator",
        "operator",
    ),
    "a list where one date is expected": (
        agreement(rule(constraint=[constraint("dateTime", "lt", ["2028-01-01", "2029-01-01"])])),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "dateTime",
    ),
    "eq with a list": (
        agreement(rule(constraint=[constraint("spatial", "eq", ["US", "CA"])])),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "isAnyOf",
    ),
    "a title as a list": (
        agreement(rule(), **{"clearcut:title": ["a", "b"]}),
        "clearcut:title",
        "/clearcut:title",
        "string",
    ),
    "an empty territory list (never satisfied)": (
        agreement(rule(constraint=[constraint("spatial", "isAnyOf", [])])),
        "permission.0.constraint.0.rightOperand",
        "/permission/0/constraint/0/rightOperand",
        "empty list",
    ),
    "disjoint territory lists": (
        agreement(
            rule(
                constraint=[
                    constraint("spatial", "isAnyOf", ["US"]),
                    constraint("spatial", "isAnyOf", ["FR"]),
                ]
            )
        ),
        "permission.0.constraint.1.rightOperand",
        "/permission/0/constraint/1/rightOperand",
        "no value",
    ),
    "a unit on a constraint": (
        agreement(rule(constraint=[constraint("media", "eq", "svod") | {"unit": "ex:u"}])),
        "permission.0.constraint.0.unit",
        "/permission/0/constraint/0/unit",
        "unit",
    ),
    "conflict perm (IM 2.6.2 example)": (
        agreement(rule(), prohibitions=[rule()], conflict="perm"),
        "conflict",
        "/conflict",
        "perm",
    ),
    "a permission and a prohibition of one action without a conflict strategy": (
        agreement(rule("distribute"), prohibitions=[rule("distribute")]),
        "prohibition.0.action",
        "/prohibition/0/action",
        "conflict",
    ),
    "an Offer, which grants nothing (IM 2.1.2)": (
        agreement(rule(), **{"@type": "Offer"}),
        "@type",
        "/@type",
        "Offer",
    ),
    "a profile we do not know (IM 3.2)": (
        agreement(rule(), profile="http://example.com/odrl:profile:10"),
        "profile",
        "/profile",
        "profile",
    ),
    "a party collection (IM 2.5.6)": (
        agreement(
            rule(
                assignee={"@type": "PartyCollection", "source": "http://example.com/user44/friends"}
            )
        ),
        "permission.0.assignee.source",
        "/permission/0/assignee/source",
        "source",
    ),
    "an asset collection with a refinement (IM 2.5.5)": (
        agreement(
            rule(
                target={
                    "@type": "AssetCollection",
                    "source": "http://example.com/media-catalogue",
                    "refinement": RESOLUTION,
                }
            )
        ),
        "permission.0.target.source",
        "/permission/0/target/source",
        "source",
    ),
    "two targets": (
        agreement(rule(), rule("distribute", target="http://example.com/music/PurpleRain.mp3")),
        "permission.1.target",
        "/permission/1/target",
        "target",
    ),
    "an action we do not model": (
        agreement(rule("play")),
        "permission.0.action",
        "/permission/0/action",
        "play",
    ),
    "a duty with a party (IM 2.6.5 example)": (
        agreement(
            rule(
                "distribute",
                duty=[{"action": "attribute", "attributedParty": "http://australia.gov.au/"}],
            )
        ),
        "permission.0.duty.0.attributedParty",
        "/permission/0/duty/0/attributedParty",
        "attributedParty",
    ),
    "metadata we do not keep (IM 2.8)": (
        agreement(rule(), **{"dct:isReplacedBy": {"@id": "http://example.com/policy:9"}}),
        "dct:isReplacedBy",
        "/dct:isReplacedBy",
        "isReplacedBy",
    ),
    "a context that redefines a term": (
        agreement(rule(), **{"@context": [ODRL_CONTEXT, {"permission": "http://example.com/x"}]}),
        "@context.1.permission",
        "/@context/1/permission",
        "permission",
    ),
    "no ODRL context": (
        agreement(rule(), **{"@context": {"odrl": "http://www.w3.org/ns/odrl/2/"}}),
        "@context",
        "/@context",
        "odrl.jsonld",
    ),
}


def _counts():
    return (
        License.objects.count(),
        Grant.objects.count(),
        Party.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_we_do_not_model_is_refused_with_its_pointer(world, legal, client_as, case):
    policy, field, json_pointer, term = REFUSED[case]
    before = _counts()

    response = _import(client_as(legal), policy)

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert list(errors) == [field], errors
    assert errors[field].startswith(f"{json_pointer}: "), errors
    assert term in errors[field], errors
    assert _counts() == before
