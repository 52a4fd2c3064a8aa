"""Small helpers the licensing API tests share: problem+json field paths, audit rows, payloads."""

from licensing.odrl import ODRL_CONTEXT
from studio.models import AuditEvent

PROBLEM = "application/problem+json"


def fields_of(response) -> set[str]:
    """The field paths a problem+json 400 names."""
    return {error["field"] for error in response.json().get("errors", [])}


def audit_rows(action: str | None = None):
    rows = AuditEvent.objects.order_by("chain", "seq")
    return list(rows.filter(action=action) if action else rows)


def grant_payload(**overrides) -> dict:
    """A permission using every constraint and duty the API accepts."""
    return {
        "kind": "permission",
        "action": "distribute",
        "territory_include": ["EU", "US"],
        "territory_exclude": ["FR"],
        "media": ["svod", "avod"],
        "languages": ["en", "de"],
        "valid_from": "2026-02-01T00:00:00-05:00",
        "valid_until": "2027-12-31T00:00:00+09:00",
        "productions": ["ALPHA"],
        "exclusive": True,
        "attribution": "Courtesy of StockCo",
        "notice": "Tell StockCo before release.",
        "section": "§2",
    } | overrides


def license_payload(world, **overrides) -> dict:
    return {
        "production": "ALPHA",
        "reference": "LIC-100",
        "title": "Stock aerials",
        "licensor": world.stock_co.pk,
        "licensee": world.studio.pk,
        "status": "active",
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2028-01-01T00:00:00Z",
        "coverage": "listed",
        "assets": [world.assets["a1"].pk],
        "grants": [grant_payload()],
    } | overrides


def policy_doc(world, **overrides):
    """An ODRL policy that imports into ALPHA as IMP-1, between two new parties."""
    return {
        "@context": [ODRL_CONTEXT],
        "@type": "Agreement",
        "uid": "urn:clearcut:license:IMP-1",
        "clearcut:reference": "IMP-1",
        "assigner": {"@type": "Party", "clearcut:name": "Newco Archive"},
        "assignee": {"@type": "Party", "clearcut:name": "Newco Pictures"},
        "clearcut:status": "active",
        "clearcut:coverage": "listed",
        "clearcut:startsAt": "2026-01-01T00:00:00+00:00",
        "clearcut:endsAt": "2030-01-01T00:00:00+00:00",
        "clearcut:assets": [world.assets["a1"].sha256],
        "permission": [odrl_rule()],
        "prohibition": [],
    } | overrides


def odrl_rule(**overrides):
    spatial = {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": ["US"]}
    return {"target": "urn:x", "action": "distribute", "constraint": [spatial]} | overrides
