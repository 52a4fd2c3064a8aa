"""Licenses as W3C ODRL 2.2 JSON-LD policies, and back. The round trip keeps everything we hold.

Actions with an ODRL term use it (display, distribute, modify, derive); the AI actions come from our
profile (``clearcut:ai_edit`` …). Constraints use ODRL left operands: ``spatial`` (isAnyOf for
territories, isNoneOf for exclusions), ``media``, ``language``, ``dateTime`` (gteq / lt), and
``clearcut:production``. Duties: ``attribute`` and ``inform``, with their text.
"""

from __future__ import annotations

import datetime as dt
import re

from django.apps import apps
from django.core.exceptions import ValidationError

from licensing.choices import Coverage, GrantKind, LicenseStatus, RightsAction
from licensing.validation import NOTICE_MAX_LENGTH, check_grant

SHA256 = re.compile(r"[0-9a-f]{64}")
ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
NS = "https://clearcut.invalid/ns#"
PROFILE = "https://clearcut.invalid/odrl-profile/1"
POLICY_TYPES = {
    "Policy",
    "Agreement",
    "Offer",
    "Set",
    "odrl:Policy",
    "odrl:Agreement",
    "odrl:Offer",
    "odrl:Set",
}
TO_ODRL = {
    RightsAction.VIEW: "display",
    RightsAction.DISTRIBUTE: "distribute",
    RightsAction.EDIT: "modify",
    RightsAction.DERIVE: "derive",
}
FROM_ODRL = {v: k for k, v in TO_ODRL.items()} | {f"odrl:{v}": k for k, v in TO_ODRL.items()}
FROM_ODRL |= {f"clearcut:{a}": a for a in RightsAction.values if a not in TO_ODRL}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _constraints(grant) -> list[dict]:
    found = []
    if grant.territory_include:
        found.append(
            {
                "leftOperand": "spatial",
                "operator": "isAnyOf",
                "rightOperand": list(grant.territory_include),
            }
        )
    if grant.territory_exclude:
        found.append(
            {
                "leftOperand": "spatial",
                "operator": "isNoneOf",
                "rightOperand": list(grant.territory_exclude),
            }
        )
    if grant.media:
        found.append(
            {"leftOperand": "media", "operator": "isAnyOf", "rightOperand": list(grant.media)}
        )
    if grant.languages:
        found.append(
            {
                "leftOperand": "language",
                "operator": "isAnyOf",
                "rightOperand": list(grant.languages),
            }
        )
    if grant.valid_from:
        found.append(
            {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": _iso(grant.valid_from)}
        )
    if grant.valid_until:
        found.append(
            {"leftOperand": "dateTime", "operator": "lt", "rightOperand": _iso(grant.valid_until)}
        )
    productions = sorted(p.code for p in grant.productions.all())
    if productions:
        found.append(
            {
                "leftOperand": "clearcut:production",
                "operator": "isAnyOf",
                "rightOperand": productions,
            }
        )
    return found


def _rule(grant, target: str) -> dict:
    rule = {
        "target": target,
        "action": TO_ODRL.get(grant.action, f"clearcut:{grant.action}"),
        "clearcut:section": grant.section,
        "clearcut:exclusive": grant.exclusive,
    }
    constraints = _constraints(grant)
    if constraints:
        rule["constraint"] = constraints
    duties = []
    if grant.attribution:
        duties.append({"action": "attribute", "clearcut:text": grant.attribution})
    if grant.notice:
        duties.append({"action": "inform", "clearcut:text": grant.notice})
    if duties:
        rule["duty"] = duties
    return rule


def license_to_odrl(license) -> dict:
    target = f"urn:clearcut:license:{license.reference}:assets"
    grants = list(license.grants.all().prefetch_related("productions"))
    return {
        "@context": [ODRL_CONTEXT, {"clearcut": NS}],
        "@type": "Agreement",
        "uid": f"urn:clearcut:license:{license.reference}",
        "profile": PROFILE,
        "assigner": {
            "@type": "Party",
            "uid": f"urn:clearcut:party:{license.licensor.name}",
            "clearcut:name": license.licensor.name,
        },
        "assignee": {
            "@type": "Party",
            "uid": f"urn:clearcut:party:{license.licensee.name}",
            "clearcut:name": license.licensee.name,
        },
        "clearcut:reference": license.reference,
        "clearcut:title": license.title,
        "clearcut:status": license.status,
        "clearcut:coverage": license.coverage,
        "clearcut:production": license.production.code,
        "clearcut:startsAt": _iso(license.starts_at),
        "clearcut:endsAt": _iso(license.ends_at),
        "clearcut:assets": sorted(license.assets.values_list("sha256", flat=True)),
        "clearcut:contractDocument": license.contract_document.sha256
        if license.contract_document
        else None,
        "permission": [_rule(g, target) for g in grants if g.kind == GrantKind.PERMISSION],
        "prohibition": [_rule(g, target) for g in grants if g.kind == GrantKind.PROHIBITION],
    }


# --- import ------------------------------------------------------------------------------------


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


def _datetime(field: str, value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise _fail(field, f"{value!r} is not an ISO 8601 date-time.") from None
    if parsed.tzinfo is None:
        raise _fail(field, "Date-times need a timezone offset.")
    return parsed


def _max_length(model: str, field: str) -> int:
    return apps.get_model("licensing", model)._meta.get_field(field).max_length


def _text(field: str, value, *, limit: int, required: bool = False) -> str:
    """A one-line string the model can hold, or a 400 naming where it stands in the document
    (never ``str()`` of a list or an object, never a NUL or a control character)."""
    if value is None or value == "":
        if required:
            raise _fail(field, "This value is required.")
        return ""
    if not isinstance(value, str):
        raise _fail(field, "Expected a string.")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _fail(field, "Control characters (such as NUL or line breaks) are not allowed here.")
    if len(value) > limit:
        raise _fail(field, f"At most {limit} characters (this one has {len(value)}).")
    return value.strip()


def _sha256(field: str, value) -> str:
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise _fail(field, "Expected a SHA-256: 64 lowercase hexadecimal characters.")
    return value


def _list(field: str, value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise _fail(field, "Expected a string or a list of strings.")
    return values


CONSTRAINT_FIELDS = {
    ("spatial", "isAnyOf"): "territory_include",
    ("spatial", "eq"): "territory_include",
    ("spatial", "isNoneOf"): "territory_exclude",
    ("media", "isAnyOf"): "media",
    ("media", "eq"): "media",
    ("language", "isAnyOf"): "languages",
    ("language", "eq"): "languages",
    ("clearcut:production", "isAnyOf"): "production_codes",
}


def _grant_from_rule(rule, kind: str, field: str) -> dict:
    if not isinstance(rule, dict):
        raise _fail(field, "A rule is a JSON object.")
    action = rule.get("action")
    if isinstance(action, dict):
        action = action.get("@id") or action.get("rdf:value")
    if not action:
        raise _fail(f"{field}.action", "A rule needs an action.")
    if action not in FROM_ODRL:
        raise _fail(
            f"{field}.action", f"Unknown action {action!r}; known: {', '.join(sorted(FROM_ODRL))}."
        )
    exclusive = rule.get("clearcut:exclusive", False)
    if not isinstance(exclusive, bool):
        raise _fail(f"{field}.clearcut:exclusive", "Expected true or false.")
    grant = {
        "kind": kind,
        "action": FROM_ODRL[action],
        "section": _text(
            f"{field}.clearcut:section",
            rule.get("clearcut:section"),
            limit=_max_length("Grant", "section"),
        ),
        "exclusive": exclusive,
        "production_codes": [],
    }
    for index, constraint in enumerate(rule.get("constraint", [])):
        _apply_constraint(grant, constraint, f"{field}.constraint.{index}")
    for index, duty in enumerate(rule.get("duty", [])):
        _apply_duty(grant, duty, f"{field}.duty.{index}")
    # Check the grant here, so a bad value is reported at the rule the caller wrote.
    check_grant({k: v for k, v in grant.items() if k != "production_codes"}, prefix=f"{field}.")
    return grant


def _apply_constraint(grant: dict, constraint, field: str) -> None:
    if not isinstance(constraint, dict):
        raise _fail(field, "A constraint is a JSON object.")
    operand, operator = constraint.get("leftOperand"), constraint.get("operator")
    value = constraint.get("rightOperand")
    if operand == "dateTime" and operator in ("gteq", "gt"):
        grant["valid_from"] = _datetime(f"{field}.rightOperand", value)
    elif operand == "dateTime" and operator in ("lt", "lteq"):
        grant["valid_until"] = _datetime(f"{field}.rightOperand", value)
    elif (operand, operator) in CONSTRAINT_FIELDS:
        grant.setdefault(CONSTRAINT_FIELDS[(operand, operator)], [])
        grant[CONSTRAINT_FIELDS[(operand, operator)]] += _list(f"{field}.rightOperand", value)
    else:
        raise _fail(field, f"Unsupported constraint {operand!r} {operator!r}.")


def _apply_duty(grant: dict, duty, field: str) -> None:
    action = duty.get("action") if isinstance(duty, dict) else None
    target = {"attribute": "attribution", "inform": "notice"}.get(str(action).removeprefix("odrl:"))
    if target is not None:
        grant[target] = _text(
            f"{field}.clearcut:text",
            duty.get("clearcut:text"),
            limit=_max_length("Grant", target) or NOTICE_MAX_LENGTH,
        )
    else:
        raise _fail(field, f"Unsupported duty {action!r}; known: attribute, inform.")


def odrl_to_license(document) -> dict:
    """Parse and check a policy; returns license fields, grant dicts, party names and asset hashes."""
    if not isinstance(document, dict):
        raise _fail("@type", "The document is not an ODRL policy (expected a JSON object).")
    if document.get("@type") not in POLICY_TYPES:
        raise _fail(
            "@type", f"Not an ODRL policy: @type must be one of {', '.join(sorted(POLICY_TYPES))}."
        )
    reference_limit = _max_length("License", "reference")
    if document.get("clearcut:reference") is not None:
        reference = _text(
            "clearcut:reference", document["clearcut:reference"], limit=reference_limit
        )
    else:
        uid = _text("uid", document.get("uid"), limit=2000)
        reference = _text("uid", uid.rsplit(":", 1)[-1], limit=reference_limit)
    if not reference:
        raise _fail("uid", "The policy has no uid to take a reference from.")
    grants = []
    for kind, key in ((GrantKind.PERMISSION, "permission"), (GrantKind.PROHIBITION, "prohibition")):
        rules = document.get(key, [])
        if not isinstance(rules, list):
            raise _fail(key, "Expected a list of rules.")
        grants += [_grant_from_rule(rule, kind, f"{key}.{i}") for i, rule in enumerate(rules)]
    status = document.get("clearcut:status", LicenseStatus.DRAFT)
    coverage = document.get("clearcut:coverage", Coverage.LISTED)
    if status not in LicenseStatus.values:
        raise _fail("clearcut:status", f"Unknown status {status!r}.")
    if coverage not in Coverage.values:
        raise _fail("clearcut:coverage", f"Unknown coverage {coverage!r}.")
    return {
        "fields": {
            "reference": reference,
            "title": _text(
                "clearcut:title",
                document.get("clearcut:title"),
                limit=_max_length("License", "title"),
            )
            or reference,
            "status": status,
            "coverage": coverage,
            "starts_at": _datetime("clearcut:startsAt", document.get("clearcut:startsAt")),
            "ends_at": _datetime("clearcut:endsAt", document.get("clearcut:endsAt")),
        },
        "grants": grants,
        "licensor": _party_name(document, "assigner"),
        "licensee": _party_name(document, "assignee"),
        "assets": [
            _sha256(f"clearcut:assets.{i}", value)
            for i, value in enumerate(_list("clearcut:assets", document.get("clearcut:assets", [])))
        ],
        "contract_document": (
            _sha256("clearcut:contractDocument", document["clearcut:contractDocument"])
            if document.get("clearcut:contractDocument")
            else None
        ),
    }


def _party_name(document: dict, key: str) -> str:
    party, limit = document.get(key), _max_length("Party", "name")
    if isinstance(party, str):
        return _text(key, party.rsplit(":", 1)[-1], limit=limit, required=True)
    if isinstance(party, dict) and party.get("clearcut:name") is not None:
        return _text(f"{key}.clearcut:name", party["clearcut:name"], limit=limit, required=True)
    if isinstance(party, dict) and party.get("uid") is not None:
        uid = _text(f"{key}.uid", party["uid"], limit=2000, required=True)
        return _text(f"{key}.uid", uid.rsplit(":", 1)[-1], limit=limit, required=True)
    raise _fail(key, f"The policy needs an {key} party.")
