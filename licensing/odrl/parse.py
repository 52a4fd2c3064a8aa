"""An ODRL 2.2 policy as a license, whole or refused: nothing we do not model is dropped.

The policy is first expanded as the Recommendation says (IM §2.7): shared policy-level ``action``,
``target``, ``assigner`` and ``assignee`` are replicated into every rule, and a rule with several
actions becomes one grant per action. A license has one licensor, one licensee and one set of
assets, so every rule must name the same parties and the same target. Refused, with the JSON
pointer and the term: policy-level obligations, inheritance, profiles we do not know, any conflict
strategy but ``prohibit`` (ours) where a permission and a prohibition share an action, action
refinements, remedies, duties other than ``attribute``/``inform`` with their text, logical
constraints other than ``and``, operands we do not know, and any property we do not read.
"""

from __future__ import annotations

from licensing.choices import GrantKind
from licensing.odrl.constraints import Limits, read_constraints
from licensing.odrl.terms import (
    CORE_PROFILE,
    ODRL_CONTEXTS,
    PREFIXES,
    PROFILE,
    RESERVED,
    as_list,
    key_name,
    node_iri,
    party_name,
    refuse,
    vocab_value,
)
from licensing.odrl.values import FROM_ODRL, max_length, text
from licensing.validation import NOTICE_MAX_LENGTH

POLICY_TYPES = {"Policy", "Set", "Offer", "Agreement"}
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
        raise refuse(("@context",), "An ODRL policy names the ODRL context "
                     "http://www.w3.org/ns/odrl.jsonld.")  # fmt: skip
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
                raise refuse((*at, name), f"{name!r} would change what ODRL or Clearcut terms mean; "
                             "only new prefixes may be defined.")  # fmt: skip
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
            why = NOT_MODELLED.get(name, "It is not modelled, so importing the policy would drop "
                                   "part of it.")  # fmt: skip
            raise refuse((*path, key), f"{name!r}: {why}")
        found[name] = (value, (*path, key))
    return found


def policy_type(document: dict) -> None:
    if "@type" not in document and "type" not in document:
        raise refuse(
            ("@type",), "Not an ODRL policy: @type must be Agreement, Offer, Set or Policy."
        )
    key = "@type" if "@type" in document else "type"
    types = [vocab_value(t, (key,), PREFIXES, what="type") for t in as_list(document[key])]
    if len(types) != 1 or types[0] not in POLICY_TYPES:
        raise refuse(
            (key,), "Not an ODRL policy: @type must be one of Agreement, Offer, Set, Policy."
        )


def read_profile_and_conflict(props: dict, prefixes) -> str | None:
    if "profile" in props:
        value, path = props["profile"]
        for index, item in enumerate(as_list(value)):
            at = (*path, index) if isinstance(value, list) else path
            if node_iri(item, at, prefixes, what="profile") not in (PROFILE, CORE_PROFILE):
                raise refuse(at, "A policy of a profile we do not know must not be processed (ODRL "
                             "IM §3.2).")  # fmt: skip
    if "conflict" not in props:
        return None
    value, path = props["conflict"]
    strategy = vocab_value(value, path, prefixes, what="conflict strategy")
    if strategy != "prohibit":
        raise refuse(path, f"Conflict strategy {strategy!r} is not modelled: prohibitions always "
                     "win here ('prohibit').")  # fmt: skip
    return strategy


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


def _values(items: list[tuple]) -> list[tuple]:
    """(value, path) for each value of a property written once or more (rule and policy level)."""
    found = []
    for value, path in items:
        for index, item in enumerate(as_list(value)):
            found.append((item, (*path, index) if isinstance(value, list) else path))
    return found


def rule_target(rule: dict, path, prefixes) -> str:
    targets = {}
    for value, at in _values(rule["shared"]["target"]):
        if isinstance(value, dict) and set(value) - {"@id", "uid"}:
            node = properties(value, at, prefixes, {"@id", "@type"})
            types = [vocab_value(t, node["@type"][1], prefixes, what="type")
                     for t in as_list(node["@type"][0])] if "@type" in node else []  # fmt: skip
            if set(types) - {"Asset", "AssetCollection"} or "@id" not in node:
                raise refuse(at, "A target is an Asset or AssetCollection named by its uid.")
            value = node["@id"][0]
        targets.setdefault(node_iri(value, at, prefixes, what="target"), at)
    if len(targets) != 1:
        raise refuse((*path, "target"), "A rule has one target (the license's assets).")
    return next(iter(targets))


def rule_parties(rule: dict, path, prefixes) -> dict[str, tuple[str, str | None]]:
    """The rule's assigner and assignee: role -> (name, IRI)."""
    parties = {}
    for role in ("assigner", "assignee"):
        found = {}
        for value, at in _values(rule["shared"][role]):
            name, iri = read_party(value, at, prefixes)
            found.setdefault(iri or name, (name, iri, at))
        if not found:
            raise refuse((*path, role), f"The rule has no {role}; a license needs one.")
        if len(found) > 1:
            where = rule["shared"][role][0][1]
            raise refuse(where if len(rule["shared"][role]) == 1 else (*path, role),
                         f"One {role} per license: this rule would have {len(found)}.")  # fmt: skip
        name, iri, _ = next(iter(found.values()))
        parties[role] = (name, iri)
    return parties


def read_party(value, path, prefixes) -> tuple[str, str | None]:
    limit = max_length("Party", "name")
    if not isinstance(value, dict):
        iri = node_iri(value, path, prefixes, what="party")
        return text(path, party_name(iri), limit=limit, required=True), iri
    node = properties(value, path, prefixes, {"@id", "@type", "clearcut:name"})
    if "@type" in node:
        types = {
            vocab_value(t, node["@type"][1], prefixes, what="type")
            for t in as_list(node["@type"][0])
        }
        if types != {"Party"}:
            raise refuse(
                node["@type"][1], "A party here is one Party (collections are not modelled)."
            )
    iri = node_iri(*node["@id"], prefixes, what="party") if "@id" in node else None
    if "clearcut:name" in node:
        name = text(node["clearcut:name"][1], node["clearcut:name"][0], limit=limit, required=True)
        if iri and iri.startswith("urn:clearcut:party:") and party_name(iri) != name:
            raise refuse(node["clearcut:name"][1], "The name and the uid name different parties.")
        return name, iri
    if iri is None:
        raise refuse(path, "A party needs a uid or a clearcut:name.")
    return text(node["@id"][1], party_name(iri), limit=limit, required=True), iri


def rule_actions(rule: dict, path, prefixes) -> list[tuple[str, tuple]]:
    actions = {}
    for value, at in _values(rule["shared"]["action"]):
        if isinstance(value, dict) and set(value) - {"@id", "uid"}:
            node = properties(value, at, prefixes, {"@id", RDF_VALUE})
            value, at = node.get(RDF_VALUE) or (node["@id"][0], at)
        name = vocab_value(value, at, prefixes, what="action")
        if name not in FROM_ODRL:
            raise refuse(
                at, f"Action {name!r} is not modelled; known: {', '.join(sorted(FROM_ODRL))}."
            )
        actions.setdefault(FROM_ODRL[name], at)
    if not actions:
        raise refuse((*path, "action"), "A rule needs an action.")
    return list(actions.items())


def rule_duties(rule: dict, prefixes) -> dict[str, str]:
    duties: dict[str, str] = {}
    if "duty" not in rule:
        return duties
    value, path = rule["duty"]
    for index, duty in enumerate(as_list(value)):
        at = (*path, index) if isinstance(value, list) else path
        if not isinstance(duty, dict):
            raise refuse(at, "A duty is written out as a JSON object.")
        node = properties(duty, at, prefixes, {"@type", "@id", "action", "clearcut:text"})
        if "action" not in node or isinstance(node["action"][0], list):
            raise refuse((*at, "action"), "A duty has one action: attribute or inform.")
        action = vocab_value(*node["action"], prefixes, what="action")
        if action not in DUTIES:
            raise refuse(
                node["action"][1], f"Duty {action!r} is not modelled; known: attribute, inform."
            )
        field = DUTIES[action]
        if field in duties:
            raise refuse(at, f"A second {action!r} duty: a grant holds one.")
        text_at = node["clearcut:text"][1] if "clearcut:text" in node else (*at, "clearcut:text")
        limit = max_length("Grant", field) or NOTICE_MAX_LENGTH
        duties[field] = text(
            text_at, node.get("clearcut:text", (None,))[0], limit=limit, required=True
        )
    return duties


def rule_grants(kind: str, rule: dict, path, prefixes) -> list[dict]:
    """One grant per action of the rule, each with all of the rule's limits and duties."""
    limits = Limits()
    if "constraint" in rule:
        read_constraints(*rule["constraint"], prefixes, limits)
    exclusive = rule.get("clearcut:exclusive", (False, None))
    if not isinstance(exclusive[0], bool):
        raise refuse(exclusive[1], "Expected true or false.")
    section = rule.get("clearcut:section", (None, (*path, "clearcut:section")))
    common = {
        "kind": kind,
        "section": text(section[1], section[0], limit=max_length("Grant", "section")),
        "exclusive": exclusive[0],
        "production_codes": [],
        "territory_include": [],
        "media": [],
        "languages": [],
        **limits.grant_fields(),
        **rule_duties(rule, prefixes),
    }
    return [common | {"action": action} for action, _ in rule_actions(rule, path, prefixes)]


def check_conflicts(rules: list[tuple[str, dict, tuple]], actions: dict, strategy) -> None:
    """Without ``conflict: prohibit`` ODRL voids a policy whose rules conflict (its default is
    ``invalid``); a permission and a prohibition of one action may, so such a policy is refused."""
    if strategy == "prohibit":
        return
    permitted = {
        a for kind, _, path in rules if kind == GrantKind.PERMISSION for a in actions[path]
    }
    for kind, _, path in rules:
        clash = kind == GrantKind.PROHIBITION and set(actions[path]) & permitted
        if clash:
            raise refuse((*path, "action"), f"A permission and this prohibition both concern "
                         f"{sorted(clash)[0]!r}; without \"conflict\": \"prohibit\" ODRL voids the "
                         "whole policy on a conflict.")  # fmt: skip
