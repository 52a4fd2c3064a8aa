"""The gate: ``evaluate(request) -> Decision``.

Rules, in order of strength:
1. An asset that is tainted, withdrawn or quarantined may not be used.
2. A prohibition that applies beats any permission.
3. Without a permission that applies, the answer is no. Only an active license, inside its window,
   grants anything; every constraint of the grant must hold for the intended use.
4. AI outputs carry the rights of their whole lineage: every ancestor needs the same permission.
   Footage behind an adapter needs ``ai_inference``, and its people's likeness-training consent.
5. Every person who appears in the footage needs a valid consent of each scope the use needs.
   A minor's consent needs a guardian's signature; a deceased person's, a representative's.

The facts are loaded in one statement (see ``licensing.gate.facts``) whatever the number
of assets, people, licenses or the depth of the lineage; the rules then run in memory.
"""

from __future__ import annotations

from assets.choices import AssetOrigin, AssetStatus
from licensing.choices import DEFAULT_CONSENT_SCOPES, ConsentScope, RightsAction
from licensing.gate import rules
from licensing.gate.decision import Decision, Reason, UseRequest
from licensing.gate.facts import Facts, Shared, load_facts, load_shared_facts

BLOCKED_STATUSES = {AssetStatus.TAINTED, AssetStatus.WITHDRAWN, AssetStatus.QUARANTINED}


def evaluate(request: UseRequest) -> Decision:
    return decide(request, load_facts(request))


def evaluate_many(requests: list[UseRequest]) -> list[Decision]:
    """Many uses at once (a bulk check): the facts for all of them in one statement, then each
    answered exactly as ``evaluate`` answers it alone."""
    if not requests:
        return []
    shared: Shared = load_shared_facts(requests)
    return [decide(request, shared.facts_for(request)) for request in requests]


def decide(request: UseRequest, facts: Facts) -> Decision:
    reasons: list[Reason] = []
    for asset_id in request.asset_ids:
        if asset_id not in facts.assets:
            reasons.append(
                Reason(
                    "unknown_asset",
                    True,
                    f"Asset {asset_id} does not exist.",
                    {"asset": asset_id},
                    asset=asset_id,
                    dimension="asset",
                    value=str(asset_id),
                )
            )
    for asset in facts.ordered_assets():
        reasons += _asset_reasons(request, facts, asset)
    scopes = request.consent_scopes
    if scopes is None:
        scopes = DEFAULT_CONSENT_SCOPES.get(request.action, ())
    reasons += facts.adapter_reasons
    reasons += rules.consent_reasons(request, facts, facts.people_in(facts.footage_ids), scopes)
    if facts.adapter_footage_ids:
        people = facts.people_in(facts.adapter_footage_ids)
        reasons += rules.consent_reasons(request, facts, people, (ConsentScope.LIKENESS_TRAINING,))
    return Decision(request, _dedupe(reasons))


def _asset_reasons(request: UseRequest, facts: Facts, asset) -> list[Reason]:
    label = facts.label(asset)
    if asset.status in BLOCKED_STATUSES:
        why = f": {asset.status_reason}" if asset.status_reason else ""
        cause = facts.taint_causes.get(asset.pk) if asset.status == AssetStatus.TAINTED else None
        return [
            Reason(
                str(asset.status),
                True,
                f"{label} is {asset.status}{why}.",
                {"asset": asset.pk},
                asset=asset.pk,
                taint_cause=cause,
                dimension="asset_status",
                value=str(asset.status),
            )
        ]
    through_adapter = asset.pk in facts.adapter_footage_ids and asset.pk not in facts.footage_ids
    action = RightsAction.AI_INFERENCE if through_adapter else request.action
    derived = asset.origin == AssetOrigin.AI_OUTPUT and facts.has_ancestors(asset.pk)
    return rules.grant_reasons(request, facts, asset, action, label, needs_permission=not derived)


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    seen, unique = set(), []
    for reason in reasons:
        if reason.message not in seen:
            seen.add(reason.message)
            unique.append(reason)
    return sorted(unique, key=lambda r: (not r.blocking, r.code))
