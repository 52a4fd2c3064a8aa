"""``odrl_to_license``: a policy read into license fields, grants, parties and asset hashes."""

from __future__ import annotations

from urllib.parse import unquote

from licensing.choices import Coverage, LicenseStatus
from licensing.odrl.parse import (
    context_prefixes,
    expanded_rules,
    policy_type,
    properties,
    read_profile_and_conflict,
)
from licensing.odrl.rules import (
    check_conflicts,
    read_party,
    rule_actions,
    rule_grants,
    rule_parties,
    rule_target,
)
from licensing.odrl.terms import as_list, expand_iri, key_name, refuse
from licensing.odrl.values import instant, max_length, sha256, text

POLICY_KEYS = {
    "@context", "@type", "@id", "profile", "conflict", "permission", "prohibition", "target",
    "action", "assigner", "assignee", "clearcut:reference", "clearcut:title", "clearcut:status",
    "clearcut:coverage", "clearcut:production", "clearcut:startsAt", "clearcut:endsAt",
    "clearcut:assets", "clearcut:contractDocument",
}  # fmt: skip


def odrl_to_license(document) -> dict:
    """Parse and check a policy; returns license fields, grant dicts, party names and asset hashes."""
    if not isinstance(document, dict):
        raise refuse((), "The document is not an ODRL policy (expected a JSON object).")
    policy_type(document)
    prefixes = context_prefixes(document)
    _refuse_inheritance(document, prefixes)
    props = properties(document, (), prefixes, POLICY_KEYS)
    strategy = read_profile_and_conflict(props, prefixes)
    rules = expanded_rules(props, prefixes)
    grants, parties, targets, actions = [], {}, {}, {}
    for kind, rule, path in rules:
        targets.setdefault(rule_target(rule, path, prefixes), path)
        if len(targets) > 1:
            raise refuse(
                (*path, "target"),
                "All rules of a license apply to the same assets; "
                "this rule's target differs from an earlier rule's.",
            )
        for role, party in rule_parties(rule, path, prefixes).items():
            if parties.setdefault(role, party) != party:
                raise refuse(
                    (*path, role),
                    f"The {role} differs from another rule's: a license "
                    "is between one licensor and one licensee.",
                )
        actions[path] = [a for a, _ in rule_actions(rule, path, prefixes)]
        grants += rule_grants(kind, rule, path, prefixes)
    check_conflicts(rules, actions, strategy)
    for role in ("assigner", "assignee"):
        if role not in parties:
            parties[role] = _policy_party(props, role, prefixes)
    return {
        "fields": _license_fields(props, prefixes),
        "grants": grants,
        "licensor": parties["assigner"][0],
        "licensee": parties["assignee"][0],
        "assets": _assets(props),
        "contract_document": (
            sha256(props["clearcut:contractDocument"][1], props["clearcut:contractDocument"][0])
            if props.get("clearcut:contractDocument", (None,))[0]
            else None
        ),
    }


def _refuse_inheritance(document: dict, prefixes) -> None:
    """Inheritance is not modelled; a policy that inherits from itself is told it is a cycle."""
    for key, value in document.items():
        if key_name(key, prefixes) != "inheritFrom":
            continue
        own = document.get("uid", document.get("@id"))
        parents = [v for v in as_list(value) if isinstance(v, str)]
        cycle = isinstance(own, str) and expand_iri(own, prefixes) in {
            expand_iri(p, prefixes) for p in parents
        }
        raise refuse(
            (key,),
            "'inheritFrom': policy inheritance is not modelled; write the parents' rules out"
            + (" (and this policy names itself as its parent: a cycle)." if cycle else "."),
        )


def _policy_party(props: dict, role: str, prefixes) -> tuple[str, str | None]:
    """The party of a policy without rules (it has only policy-level parties)."""
    if role not in props:
        raise refuse((role,), f"The policy needs an {role} party.")
    value, path = props[role]
    if isinstance(value, list):
        raise refuse(path, f"One {role} per license.")
    return read_party(value, path, prefixes)


def _reference(props: dict) -> str:
    limit = max_length("License", "reference")
    if props.get("clearcut:reference", (None,))[0] is not None:
        value, path = props["clearcut:reference"]
        reference = text(path, value, limit=limit)
    else:
        value, path = props.get("@id", (None, ("uid",)))
        uid = text(path, value, limit=2000)
        last = uid.replace("#", ":").replace("/", ":").rsplit(":", 1)[-1]
        reference = text(path, unquote(last), limit=limit)
    if not reference:
        raise refuse(("uid",), "The policy has no uid to take a reference from.")
    return reference


def _license_fields(props: dict, prefixes) -> dict:
    status, status_at = props.get("clearcut:status", (LicenseStatus.DRAFT, ("clearcut:status",)))
    coverage, coverage_at = props.get(
        "clearcut:coverage", (Coverage.LISTED, ("clearcut:coverage",))
    )
    if status not in LicenseStatus.values:
        raise refuse(status_at, f"Unknown status {status!r}.")
    if coverage not in Coverage.values:
        raise refuse(coverage_at, f"Unknown coverage {coverage!r}.")
    title, title_at = props.get("clearcut:title", (None, ("clearcut:title",)))
    reference = _reference(props)
    starts, starts_at = props.get("clearcut:startsAt", (None, ("clearcut:startsAt",)))
    ends, ends_at = props.get("clearcut:endsAt", (None, ("clearcut:endsAt",)))
    return {
        "reference": reference,
        "title": text(title_at, title, limit=max_length("License", "title")) or reference,
        "status": status,
        "coverage": coverage,
        "starts_at": instant(starts_at, starts, prefixes),
        "ends_at": instant(ends_at, ends, prefixes),
    }


def _assets(props: dict) -> list[str]:
    value, path = props.get("clearcut:assets", ([], ("clearcut:assets",)))
    values = as_list(value)
    if not all(isinstance(v, str) for v in values):
        raise refuse(path, "Expected a string or a list of strings.")
    return [sha256((*path, i), v) for i, v in enumerate(values)]
