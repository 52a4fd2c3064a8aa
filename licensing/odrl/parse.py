"""An ODRL 2.2 policy as a license, whole or refused: nothing we do not model is dropped.

The policy is first expanded as the Recommendation says (IM §2.7): shared policy-level ``action``,
``target``, ``assigner`` and ``assignee`` are replicated into every rule, and a rule with several
actions becomes one grant per action. A license has one licensor, one licensee and one set of
assets, so every rule must name the same parties and the same target. Refused, with the JSON
pointer and the term: policy-level obligations, inheritance, profiles we do not know, a conflict
strategy other than ``prohibit`` (ours) where a permission and a prohibition share an action, action
refinements, remedies, duties other than ``attribute``/``inform`` with their text, logical
constraints other than ``and``, operands we do not know, and any property we do not read.
"""

from __future__ import annotations

from licensing.choices import GrantKind
from licensing.odrl.terms import (
    CORE_PROFILE,
    ODRL_CONTEXTS,
    PREFIXES,
    PROFILE,
    RESERVED,
    as_list,
    key_name,
    node_iri,
    refuse,
    vocab_value,
)

POLICY_TYPES = {"Policy", "Set", "Agreement"}
SHARED = ("target", "action", "assigner", "assignee")
RULE_KEYS = {
    "@type",
    "@id",
    *SHARED,
    "constraint",
    "duty",
    "clearcut:section",
    "clearcut:exclusive",
}
NOT_MODELLED = {
    "obligation": "Policy-level obligations are not modelled.",
    "inheritFrom": "Policy inheritance is not modelled: write the parent policies' rules out.",
    "remedy": "A prohibition's remedies are not modelled.",
    "duty": "Duties belong to permissions; a prohibition's remedies are not modelled.",
    "consequence": "Consequences of duties are not modelled.",
    "refinement": "Refinements are not modelled.",
}
DUTIES = {"attribute": "attribution", "inform": "notice"}
RDF_VALUE = PREFIXES["rdf"] + "value"


def context_prefixes(document: dict) -> dict[str, str]:
    """The prefixes the policy's ``@context`` defines, once it is the ODRL context plus prefixes."""
    if "@context" not in document:
        raise refuse(
            ("@context",), "An ODRL policy names the ODRL context http://www.w3.org/ns/odrl.jsonld."
        )
    entries, prefixes = as_list(document["@context"]), dict(PREFIXES)
    if not any(isinstance(e, str) and e in ODRL_CONTEXTS for e in entries):
        raise refuse(("@context",), "The ODRL context http://www.w3.org/ns/odrl.jsonld is missing.")
    for index, entry in enumerate(entries):
        at = ("@context", index) if isinstance(document["@context"], list) else ("@context",)
        if isinstance(entry, str) and entry in ODRL_CONTEXTS:
            continue
        if not isinstance(entry, dict):
            raise refuse(at, "Only the ODRL context and prefix definitions are read.")
        for name, iri in entry.items():
            known = PREFIXES.get(name)
            if (
                name.startswith("@")
                or name in RESERVED
                or ":" in name
                or not isinstance(iri, str)
                or known not in (None, iri)
            ):
                raise refuse(
                    (*at, name),
                    f"{name!r} would change what ODRL or Clearcut terms mean; "
                    "only new prefixes may be defined.",
                )
            prefixes[name] = iri
    return prefixes


def properties(node: dict, path, prefixes, allowed: set[str]) -> dict[str, tuple]:
    """The node's properties by canonical name: (value, path). Unknown or repeated ones refused."""
    found: dict[str, tuple] = {}
    for key, value in node.items():
        name = key_name(key, prefixes)
        if name in found:
            raise refuse((*path, key), f"{name!r} is written twice.")
        if name not in allowed:
            why = NOT_MODELLED.get(
                name, "It is not modelled, so importing the policy would drop part of it."
            )
            raise refuse((*path, key), f"{name!r}: {why}")
        found[name] = (value, (*path, key))
    return found


def policy_type(document: dict) -> None:
    """An Agreement, a Set or a Policy; an Offer grants nothing (IM §2.1.2), so it is no license."""
    if "@type" not in document and "type" not in document:
        raise refuse(("@type",), "Not an ODRL policy: @type must be Agreement, Set or Policy.")
    key = "@type" if "@type" in document else "type"
    types = [vocab_value(t, (key,), PREFIXES, what="type") for t in as_list(document[key])]
    if types == ["Offer"]:
        raise refuse((key,), "An Offer grants nothing until it is agreed: import the Agreement.")
    if len(types) != 1 or types[0] not in POLICY_TYPES:
        raise refuse((key,), "Not an ODRL policy: @type must be one of Agreement, Set, Policy.")


def read_profile_and_conflict(props: dict, prefixes) -> tuple[str, tuple] | None:
    if "profile" in props:
        value, path = props["profile"]
        for index, item in enumerate(as_list(value)):
            at = (*path, index) if isinstance(value, list) else path
            if node_iri(item, at, prefixes, what="profile") not in (PROFILE, CORE_PROFILE):
                raise refuse(
                    at, "A policy of a profile we do not know must not be processed (ODRL IM §3.2)."
                )
    if "conflict" not in props:
        return None
    value, path = props["conflict"]
    strategy = vocab_value(value, path, prefixes, what="conflict strategy")
    if strategy not in ("perm", "prohibit", "invalid"):
        raise refuse(path, f"Conflict strategy {strategy!r} is not one of perm, prohibit, invalid.")
    return strategy, path


def expanded_rules(props: dict, prefixes) -> list[tuple[str, dict, tuple]]:
    """Every rule as (kind, its properties with the shared policy-level ones replicated, path)."""
    shared = {name: props[name] for name in SHARED if name in props}
    rules = []
    for kind in (GrantKind.PERMISSION, GrantKind.PROHIBITION):
        if kind not in props:
            continue
        value, path = props[kind]
        for index, rule in enumerate(as_list(value)):
            at = (*path, index) if isinstance(value, list) else path
            if not isinstance(rule, dict):
                raise refuse(at, "A rule is written out as a JSON object.")
            allowed = RULE_KEYS - ({"duty"} if kind == GrantKind.PROHIBITION else set())
            own = properties(rule, at, prefixes, allowed)
            merged = {n: [own[n]] if n in own else [] for n in SHARED}
            for name, item in shared.items():
                merged[name].append(item)
            rules.append((kind, own | {"shared": merged}, at))
    return rules
