"""What the sources' licenses say about data mining and AI training, for an output's credentials.

Per source asset and entry: a prohibition (or no grant at all) is ``notAllowed``; a permission with
no constraint is ``allowed``; a permission limited by territory, media, language, window or
production is ``constrained``, with the limits in words. The output carries the most restrictive
value among all its sources (``assets.credentials.manifest.merge_training_mining``).
"""

from __future__ import annotations

import datetime as dt

from assets.credentials.manifest import merge_training_mining
from licensing.choices import GrantKind, RightsAction
from licensing.gate import rules
from licensing.gate.decision import UseRequest
from licensing.gate.facts import load_facts

ENTRY_ACTIONS = {
    "data_mining": RightsAction.AI_TRAIN,
    "ai_training": RightsAction.AI_TRAIN,
    "ai_generative_training": RightsAction.AI_GENERATIVE_TRAIN,
    "ai_inference": RightsAction.AI_INFERENCE,
}


def _limits(grant) -> str:
    parts = []
    if grant.territory_include:
        parts.append("territory " + ", ".join(grant.territory_include))
    if grant.territory_exclude:
        parts.append("except " + ", ".join(grant.territory_exclude))
    if grant.media:
        parts.append("media " + ", ".join(grant.media))
    if grant.languages:
        parts.append("language " + ", ".join(grant.languages))
    if grant.valid_from or grant.valid_until:
        parts.append(f"window {grant.valid_from or '…'} to {grant.valid_until or '…'}")
    return f"{grant.license.reference}: " + "; ".join(parts) if parts else ""


def _use_for(facts, asset, action, at, productions) -> dict:
    covering = [
        g
        for g in facts.grants_covering(asset, action)
        if rules.license_in_force(g.license, at) is None
    ]
    if not covering or any(g.kind == GrantKind.PROHIBITION for g in covering):
        return {"use": "notAllowed"}
    free = [g for g in covering if not _limits(g) and not productions.get(g.pk)]
    if free:
        return {"use": "allowed"}
    texts = [_limits(g) or f"{g.license.reference}: named productions only" for g in covering]
    return {"use": "constrained", "constraint_info": "; ".join(texts)}


def training_mining_terms(*, asset_ids: list[int], production_id: int, at: dt.datetime) -> dict:
    """The merged training-and-mining terms of the assets (their lineage included)."""
    per_action = {}
    for action in set(ENTRY_ACTIONS.values()):
        request = UseRequest(
            action=action,
            production_id=production_id,
            asset_ids=tuple(asset_ids),
            territory="US",
            media="internal",
            at=at,
        )
        per_action[action] = load_facts(request)
    sources = []
    any_facts = next(iter(per_action.values()))
    for asset in any_facts.assets.values():
        sources.append(
            {
                entry: _use_for(
                    per_action[action], asset, action, at, per_action[action].grant_productions
                )
                for entry, action in ENTRY_ACTIONS.items()
            }
        )
    return merge_training_mining(sources)
