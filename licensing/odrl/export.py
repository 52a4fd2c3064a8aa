"""A license as a W3C ODRL 2.2 JSON-LD policy (an Agreement). The round trip keeps all we hold.

Actions with an ODRL term use it (display, distribute, modify, derive); the AI actions come from our
profile (``clearcut:ai_edit`` …). Constraints use ODRL left operands: ``spatial`` (isAnyOf for
territories, isNoneOf for exclusions), ``media``, ``language``, ``dateTime`` (gteq the inclusive
start, lt the exclusive end, typed ``xsd:dateTime``) and ``clearcut:production``. Permissions carry
the duties ``attribute`` and ``inform`` with their text; prohibitions carry none. Every rule names
its target and both parties (the atomic form), and the parties are described once at the policy
level. ``conflict`` is ``prohibit``: prohibitions win, as they do in the gate.
"""

from __future__ import annotations

import datetime as dt

from licensing.choices import GrantKind
from licensing.odrl.terms import NS, ODRL_CONTEXT, PROFILE, XSD_DATE_TIME, license_iri, party_iri
from licensing.odrl.values import TO_ODRL


def _instant(value: dt.datetime | None) -> dict | None:
    return {"@value": value.isoformat(), "@type": XSD_DATE_TIME} if value else None


def _constraint(operand: str, operator: str, value) -> dict:
    return {"leftOperand": operand, "operator": operator, "rightOperand": value}


def _constraints(grant) -> list[dict]:
    found = []
    if grant.territory_include:
        found.append(_constraint("spatial", "isAnyOf", list(grant.territory_include)))
    if grant.territory_exclude:
        found.append(_constraint("spatial", "isNoneOf", list(grant.territory_exclude)))
    if grant.media:
        found.append(_constraint("media", "isAnyOf", list(grant.media)))
    if grant.languages:
        found.append(_constraint("language", "isAnyOf", list(grant.languages)))
    if grant.valid_from:
        found.append(_constraint("dateTime", "gteq", _instant(grant.valid_from)))
    if grant.valid_until:
        found.append(_constraint("dateTime", "lt", _instant(grant.valid_until)))
    productions = sorted(p.code for p in grant.productions.all())
    if productions:
        found.append(_constraint("clearcut:production", "isAnyOf", productions))
    return found


def _rule(grant, target: str, parties: dict[str, str]) -> dict:
    rule = {
        "target": target,
        "action": TO_ODRL[grant.action],
        **parties,
        "clearcut:section": grant.section,
        "clearcut:exclusive": grant.exclusive,
    }
    constraints = _constraints(grant)
    if constraints:
        rule["constraint"] = constraints
    # ODRL puts duties on permissions only (the validation keeps them off prohibitions).
    duties = []
    if grant.kind == GrantKind.PERMISSION and grant.attribution:
        duties.append({"action": "attribute", "clearcut:text": grant.attribution})
    if grant.kind == GrantKind.PERMISSION and grant.notice:
        duties.append({"action": "inform", "clearcut:text": grant.notice})
    if duties:
        rule["duty"] = duties
    return rule


def _party(party) -> dict:
    return {"@type": "Party", "uid": party_iri(party.name), "clearcut:name": party.name}


def license_to_odrl(license) -> dict:
    uid = license_iri(license.production.code, license.reference)
    target = f"{uid}:assets"
    parties = {
        "assigner": party_iri(license.licensor.name),
        "assignee": party_iri(license.licensee.name),
    }
    grants = list(license.grants.all().prefetch_related("productions"))
    return {
        "@context": [ODRL_CONTEXT, {"clearcut": NS}],
        "@type": "Agreement",
        "uid": uid,
        "profile": PROFILE,
        "conflict": "prohibit",
        "assigner": _party(license.licensor),
        "assignee": _party(license.licensee),
        "clearcut:reference": license.reference,
        "clearcut:title": license.title,
        "clearcut:status": license.status,
        "clearcut:coverage": license.coverage,
        "clearcut:production": license.production.code,
        "clearcut:startsAt": _instant(license.starts_at),
        "clearcut:endsAt": _instant(license.ends_at),
        "clearcut:assets": sorted(license.assets.values_list("sha256", flat=True)),
        "clearcut:contractDocument": license.contract_document.sha256
        if license.contract_document
        else None,
        "permission": [_rule(g, target, parties) for g in grants if g.kind == GrantKind.PERMISSION],
        "prohibition": [
            _rule(g, target, parties) for g in grants if g.kind == GrantKind.PROHIBITION
        ],
    }
