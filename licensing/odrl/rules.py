"""One expanded ODRL rule as grants: its target, parties, actions, constraints and duties."""

from __future__ import annotations

import copy

from licensing.choices import GrantKind
from licensing.odrl.constraints import Limits, read_constraints
from licensing.odrl.parse import DUTIES, RDF_VALUE, properties
from licensing.odrl.terms import as_list, node_iri, party_name, refuse, vocab_value
from licensing.odrl.values import FROM_ODRL, max_length, text
from licensing.validation import NOTICE_MAX_LENGTH


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
            types = (
                [
                    vocab_value(t, node["@type"][1], prefixes, what="type")
                    for t in as_list(node["@type"][0])
                ]
                if "@type" in node
                else []
            )
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
            raise refuse(
                where if len(rule["shared"][role]) == 1 else (*path, role),
                f"One {role} per license: this rule would have {len(found)}.",
            )
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
    actions = rule_actions(rule, path, prefixes)
    return [copy.deepcopy(common) | {"action": action} for action, _ in actions]


def check_conflicts(rules: list[tuple[str, dict, tuple]], actions: dict, strategy) -> None:
    """Prohibitions win in the gate, ODRL's ``prohibit``. Where a permission and a prohibition
    share an action, any other strategy would mean something else (``perm``: the permission wins;
    ``invalid``, the default: the whole policy is void), so such a policy is refused."""
    name, where = strategy or ("invalid", None)
    if name == "prohibit":
        return
    permitted = {
        a for kind, _, path in rules if kind == GrantKind.PERMISSION for a in actions[path]
    }
    for kind, _, path in rules:
        clash = kind == GrantKind.PROHIBITION and set(actions[path]) & permitted
        if clash:
            raise refuse(
                where or (*path, "action"),
                f"A permission and a prohibition both concern {sorted(clash)[0]!r}, and under "
                f"the conflict strategy {name!r}"
                + (" (ODRL's default)" if where is None else "")
                + ' that would not mean what the gate does; say "conflict": "prohibit".',
            )
