"""Everything the gate needs to know, loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Q

from assets.choices import LineageNode
from assets.lineage import lineage_ancestors
from assets.models import Appearance, Asset, Derivation
from licensing.choices import Coverage, RightsAction
from licensing.gate.decision import Reason, UseRequest
from licensing.models import AssetRightsHolder, Consent, Grant, License, LicensedAsset


@dataclass
class Facts:
    assets: dict[int, Asset]
    footage_ids: set[int]  # the inputs and their ancestors
    adapter_footage_ids: set[int]  # footage behind the adapters used
    ancestry: dict[int, int] = field(default_factory=dict)  # ancestor asset -> distance
    holders: dict[int, int] = field(default_factory=dict)  # asset -> rights-holder party
    listed: dict[int, set[int]] = field(default_factory=dict)  # license -> listed assets
    grants: list[Grant] = field(default_factory=list)
    grant_productions: dict[int, set[int]] = field(default_factory=dict)
    appearances: dict[int, list[Appearance]] = field(default_factory=dict)  # asset -> appearances
    consents: dict[int, list[Consent]] = field(default_factory=dict)  # person -> consents
    consent_productions: dict[int, set[int]] = field(default_factory=dict)
    inputs: tuple[int, ...] = ()
    with_parents: set[int] = field(default_factory=set)
    adapter_reasons: list = field(default_factory=list)

    def ordered_assets(self) -> list[Asset]:
        return [
            self.assets[i] for i in sorted(self.assets, key=lambda i: (i not in self.inputs, i))
        ]

    def has_ancestors(self, asset_id: int) -> bool:
        return asset_id in self.with_parents

    def label(self, asset: Asset) -> str:
        base = f"asset {asset.pk} ({asset.original_filename})"
        return f"Asset {base[6:]}" if asset.pk in self.inputs else f"Ancestor {base}"

    def people_in(self, asset_ids: set[int]) -> dict:
        people = {}
        for asset_id in sorted(asset_ids):
            for appearance in self.appearances.get(asset_id, []):
                people.setdefault(appearance.person_id, appearance.person)
        return people


def load_facts(request: UseRequest) -> Facts:
    ancestry, adapter_footage = _ancestry(request)
    footage = set(request.asset_ids) | (set(ancestry) - adapter_footage)
    everything = footage | adapter_footage
    assets = {a.pk: a for a in Asset.objects.filter(pk__in=everything)}
    facts = Facts(
        assets=assets,
        footage_ids=footage & set(assets),
        adapter_footage_ids=adapter_footage & set(assets),
        ancestry=ancestry,
        inputs=tuple(request.asset_ids),
    )
    facts.with_parents = _parents(request, ancestry)
    facts.holders = dict(
        AssetRightsHolder.objects.filter(asset_id__in=assets).values_list("asset_id", "party_id")
    )
    for license_id, asset_id in LicensedAsset.objects.filter(asset_id__in=assets).values_list(
        "license_id", "asset_id"
    ):
        facts.listed.setdefault(license_id, set()).add(asset_id)
    _load_grants(facts, request)
    _load_people(facts)
    facts.adapter_reasons = _adapter_reasons(request)
    return facts


def _adapter_reasons(request: UseRequest) -> list:
    """An adapter that is tainted, withdrawn or retired carries nothing: using it is refused."""
    if not request.adapter_ids:
        return []
    # Adapters live on the editing floor, above this one: read by app label, never imported.
    adapters = apps.get_model("editing", "Adapter").objects.filter(pk__in=request.adapter_ids)
    found = {a.pk: a for a in adapters}
    reasons = [
        Reason("unknown_adapter", True, f"Adapter {pk} does not exist.", {"adapter": pk})
        for pk in request.adapter_ids
        if pk not in found
    ]
    for adapter in found.values():
        if adapter.status != "active":
            why = f": {adapter.status_reason}" if adapter.status_reason else ""
            reasons.append(
                Reason(
                    "adapter_status",
                    True,
                    f"Adapter {adapter.pk} ({adapter.name}) is {adapter.status}{why}.",
                    {"adapter": adapter.pk},
                )
            )
    return reasons


def _ancestry(request: UseRequest) -> tuple[dict[int, int], set[int]]:
    """Ancestors of the inputs (asset -> distance), and the footage reached only through an adapter,
    which needs ``ai_inference`` rather than the requested action. Two recursive queries at most."""
    assets = [(LineageNode.ASSET, i) for i in request.asset_ids]
    adapters = [(LineageNode.ADAPTER, i) for i in request.adapter_ids]
    ancestry = (
        {n.id: n.depth for n in lineage_ancestors(assets) if n.type == LineageNode.ASSET}
        if assets
        else {}
    )
    behind = (
        {n.id for n in lineage_ancestors(adapters) if n.type == LineageNode.ASSET}
        if adapters
        else set()
    )
    return ancestry, behind - set(ancestry) - set(request.asset_ids)


def _parents(request: UseRequest, ancestry: dict[int, int]) -> set[int]:
    ids = set(request.asset_ids) | set(ancestry)
    with_parents = Derivation.objects.filter(
        output_type=LineageNode.ASSET, output_id__in=ids
    ).values_list("output_id", flat=True)
    return set(with_parents)


def _load_grants(facts: Facts, request: UseRequest) -> None:
    productions = {a.production_id for a in facts.assets.values()}
    holders = set(facts.holders.values())
    # Each branch matches an index of License, so the planner ORs three index scans.
    covering = License.objects.filter(
        Q(coverage=Coverage.LISTED, pk__in=list(facts.listed))
        | Q(coverage=Coverage.PRODUCTION, production_id__in=productions)
        | Q(coverage=Coverage.RIGHTS_HOLDER, licensor_id__in=holders, production_id__in=productions)
    ).values("pk")
    actions = {request.action}
    if facts.adapter_footage_ids:
        actions.add(RightsAction.AI_INFERENCE)
    facts.grants = list(
        Grant.objects.filter(license_id__in=covering, action__in=actions).select_related("license")
    )
    links = Grant.productions.through.objects.filter(grant_id__in=[g.pk for g in facts.grants])
    for grant_id, production_id in links.values_list("grant_id", "production_id"):
        facts.grant_productions.setdefault(grant_id, set()).add(production_id)


def _load_people(facts: Facts) -> None:
    appearances = Appearance.objects.filter(asset_id__in=facts.assets).select_related("person")
    by_asset: dict[int, list[Appearance]] = defaultdict(list)
    for appearance in appearances:
        by_asset[appearance.asset_id].append(appearance)
    facts.appearances = dict(by_asset)
    people = {a.person_id for items in by_asset.values() for a in items}
    consents = Consent.objects.filter(person_id__in=people).select_related("revocation")
    by_person: dict[int, list[Consent]] = defaultdict(list)
    for consent in consents:
        by_person[consent.person_id].append(consent)
    facts.consents = dict(by_person)
    links = Consent.productions.through.objects.filter(consent__person_id__in=people)
    for consent_id, production_id in links.values_list("consent_id", "production_id"):
        facts.consent_productions.setdefault(consent_id, set()).add(production_id)
