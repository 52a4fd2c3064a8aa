"""Everything the gate needs to know, loaded in one statement whatever the number of uses, inputs,
people, licenses, adapters or the depth of the lineage.

The lineage of every input and adapter of every use, and the facts about the assets it reaches
(licenses covering them and their grants, rights holders, listings, appearances, people, consents,
revocations, taint causes, adapters), come back as one JSON document (``facts_source``: one
statement on PostgreSQL). ``load_facts`` answers one use; ``load_shared_facts`` many at once (bulk
checks), each use then reading its own ``Facts`` view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from assets.choices import LineageNode
from licensing.choices import Coverage, RightsAction
from licensing.gate.decision import Reason, UseRequest
from licensing.gate.facts_source import facts_document


@dataclass
class Shared:
    """The facts for a set of uses, keyed by id; read through one ``Facts`` per use."""

    assets: dict[int, SimpleNamespace] = field(default_factory=dict)
    lineage: dict[tuple[str, int], dict[int, int]] = field(default_factory=dict)  # root -> anc
    with_parents: set[int] = field(default_factory=set)
    holders: dict[int, int] = field(default_factory=dict)  # asset -> rights-holder party
    listed: dict[int, set[int]] = field(default_factory=dict)  # license -> listed assets
    grants: list[SimpleNamespace] = field(default_factory=list)
    grant_productions: dict[int, set[int]] = field(default_factory=dict)
    appearances: dict[int, list[SimpleNamespace]] = field(default_factory=dict)  # asset -> list
    consents: dict[int, list[SimpleNamespace]] = field(default_factory=dict)  # person -> list
    consent_productions: dict[int, set[int]] = field(default_factory=dict)
    taint_causes: dict[int, dict] = field(default_factory=dict)  # asset -> {type, id}
    adapters: dict[int, SimpleNamespace] = field(default_factory=dict)
    # The grants by what their license covers, built on first use: see ``grants_covering``.
    _by_coverage: dict[tuple, list[tuple[int, SimpleNamespace]]] | None = None
    _covering: dict[tuple[int, str], list[SimpleNamespace]] = field(default_factory=dict)
    # A person's consent answer per scope and use (``rules.consent_reasons``), shared by the uses.
    _consent_answers: dict[tuple, Reason] = field(default_factory=dict)

    def grants_covering(self, asset, action: str) -> list[SimpleNamespace]:
        """The grants of ``action`` whose license covers ``asset``, in grant order.

        Found by what each license covers (a listed asset, a production, a rights holder's assets
        in a production), not by trying every grant loaded, so a bulk check over thousands of
        assets and hundreds of licenses costs each use only the grants that concern it."""
        key = (asset.pk, action)
        found = self._covering.get(key)
        if found is None:
            index = self._index()
            holder = self.holders.get(asset.pk)
            found = [
                grant
                for _, grant in sorted(
                    (
                        *index.get((Coverage.LISTED, action, asset.pk), ()),
                        *index.get((Coverage.PRODUCTION, action, asset.production_id), ()),
                        *index.get(
                            (Coverage.RIGHTS_HOLDER, action, asset.production_id, holder), ()
                        ),
                    ),
                    key=_position,
                )
            ]
            self._covering[key] = found
        return found

    def _index(self) -> dict[tuple, list[tuple[int, SimpleNamespace]]]:
        if self._by_coverage is None:
            index: dict[tuple, list[tuple[int, SimpleNamespace]]] = {}
            for position, grant in enumerate(self.grants):
                license = grant.license
                if license.coverage == Coverage.LISTED:
                    keys = [
                        (Coverage.LISTED, grant.action, asset_id)
                        for asset_id in self.listed.get(license.pk, ())
                    ]
                elif license.coverage == Coverage.PRODUCTION:
                    keys = [(Coverage.PRODUCTION, grant.action, license.production_id)]
                else:
                    keys = [
                        (
                            Coverage.RIGHTS_HOLDER,
                            grant.action,
                            license.production_id,
                            license.licensor_id,
                        )
                    ]
                for key in keys:
                    index.setdefault(key, []).append((position, grant))
            self._by_coverage = index
        return self._by_coverage

    def facts_for(self, request: UseRequest) -> Facts:
        ancestry: dict[int, int] = {}
        for asset_id in request.asset_ids:
            for ancestor, depth in self.lineage.get((LineageNode.ASSET, asset_id), {}).items():
                ancestry[ancestor] = min(depth, ancestry.get(ancestor, depth))
        behind: set[int] = set()
        for adapter_id in request.adapter_ids:
            behind |= set(self.lineage.get((LineageNode.ADAPTER, adapter_id), {}))
        adapter_footage = behind - set(ancestry) - set(request.asset_ids)
        footage = set(request.asset_ids) | (set(ancestry) - adapter_footage)
        # Looked up, never listed: a use's facts cost what the use names, not what the call loaded.
        known = self.assets
        footage = {i for i in footage if i in known}
        adapter_footage = {i for i in adapter_footage if i in known}
        return Facts(
            assets={i: known[i] for i in footage | adapter_footage},
            footage_ids=footage,
            adapter_footage_ids=adapter_footage,
            ancestry=ancestry,
            grants_covering=self.grants_covering,
            grant_productions=self.grant_productions,
            appearances=self.appearances,
            consents=self.consents,
            consent_productions=self.consent_productions,
            inputs=tuple(request.asset_ids),
            with_parents=self.with_parents,
            taint_causes=self.taint_causes,
            adapter_reasons=_adapter_reasons(request, self.adapters),
            consent_answers=self._consent_answers,
        )


@dataclass
class Facts:
    assets: dict[int, SimpleNamespace]
    footage_ids: set[int]  # the inputs and their ancestors
    adapter_footage_ids: set[int]  # footage behind the adapters used
    # (asset, action) -> the grants that may apply to it: ``Shared.grants_covering``
    grants_covering: Callable[[SimpleNamespace, str], list[SimpleNamespace]]
    ancestry: dict[int, int] = field(default_factory=dict)  # ancestor asset -> distance
    grant_productions: dict[int, set[int]] = field(default_factory=dict)
    appearances: dict[int, list] = field(default_factory=dict)
    consents: dict[int, list] = field(default_factory=dict)
    consent_productions: dict[int, set[int]] = field(default_factory=dict)
    inputs: tuple[int, ...] = ()
    with_parents: set[int] = field(default_factory=set)
    taint_causes: dict[int, dict] = field(default_factory=dict)
    adapter_reasons: list = field(default_factory=list)
    consent_answers: dict[tuple, Reason] = field(default_factory=dict)

    def ordered_assets(self) -> list:
        return [
            self.assets[i] for i in sorted(self.assets, key=lambda i: (i not in self.inputs, i))
        ]

    def has_ancestors(self, asset_id: int) -> bool:
        return asset_id in self.with_parents

    def label(self, asset) -> str:
        base = f"asset {asset.pk} ({asset.original_filename})"
        return f"Asset {base[6:]}" if asset.pk in self.inputs else f"Ancestor {base}"

    def people_in(self, asset_ids: set[int]) -> dict:
        people = {}
        for asset_id in sorted(asset_ids):
            for appearance in self.appearances.get(asset_id, []):
                people.setdefault(appearance.person_id, appearance.person)
        return people


def _position(entry: tuple[int, SimpleNamespace]) -> int:
    return entry[0]


def load_facts(request: UseRequest) -> Facts:
    return load_shared_facts([request]).facts_for(request)


def load_shared_facts(requests: list[UseRequest]) -> Shared:
    """The facts for all of ``requests`` in one statement."""
    asset_roots = sorted({i for r in requests for i in r.asset_ids})
    adapter_roots = sorted({i for r in requests for i in r.adapter_ids})
    actions = {r.action for r in requests}
    if adapter_roots:
        actions.add(RightsAction.AI_INFERENCE)
    return _build(facts_document(asset_roots, adapter_roots, actions))


def _when(value) -> dt.datetime | None:
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value or None


def _build(data: dict) -> Shared:
    shared = Shared()
    for root_type, root_id, node_id, depth in data["lineage"] or ():
        shared.lineage.setdefault((root_type, root_id), {})[node_id] = depth
    for row in data["assets"] or ():
        shared.assets[row["id"]] = SimpleNamespace(pk=row["id"], **row)
    shared.with_parents = set(data["parents"] or ())
    shared.holders = {asset: party for asset, party in data["holders"] or ()}
    for license_id, asset_id in data["listed"] or ():
        shared.listed.setdefault(license_id, set()).add(asset_id)
    licenses: dict[int, SimpleNamespace] = {}
    for row in data["grants"] or ():
        license = licenses.get(row["license_id"])
        if license is None:
            license = licenses[row["license_id"]] = SimpleNamespace(
                pk=row["license_id"],
                reference=row["reference"],
                status=row["license_status"],
                starts_at=_when(row["starts_at"]),
                ends_at=_when(row["ends_at"]),
                coverage=row["coverage"],
                production_id=row["production_id"],
                licensor_id=row["licensor_id"],
            )
        shared.grants.append(
            SimpleNamespace(
                pk=row["id"],
                license_id=row["license_id"],
                license=license,
                section=row["section"],
                kind=row["kind"],
                action=row["action"],
                territory_include=row["territory_include"] or [],
                territory_exclude=row["territory_exclude"] or [],
                media=row["media"] or [],
                languages=row["languages"] or [],
                valid_from=_when(row["valid_from"]),
                valid_until=_when(row["valid_until"]),
                attribution=row["attribution"],
                notice=row["notice"],
            )
        )
        shared.grant_productions[row["id"]] = set(row["productions"] or ())
    people = {row["id"]: SimpleNamespace(pk=row["id"], **row) for row in data["people"] or ()}
    for asset_id, person_id in data["appearances"] or ():
        shared.appearances.setdefault(asset_id, []).append(
            SimpleNamespace(asset_id=asset_id, person_id=person_id, person=people[person_id])
        )
    for row in data["consents"] or ():
        revoked = _when(row["revoked_at"])
        shared.consents.setdefault(row["person_id"], []).append(
            SimpleNamespace(
                pk=row["id"],
                person_id=row["person_id"],
                scope=row["scope"],
                valid_from=_when(row["valid_from"]),
                valid_until=_when(row["valid_until"]),
                signed_by=row["signed_by"],
                guardian_signature=row["guardian_signature"],
                representative_signature=row["representative_signature"],
                revocation=SimpleNamespace(revoked_at=revoked) if revoked else None,
            )
        )
        shared.consent_productions[row["id"]] = set(row["productions"] or ())
    for node_id, cause_type, cause_id in data["taint"] or ():
        shared.taint_causes.setdefault(node_id, {"type": cause_type, "id": cause_id})
    for row in data["adapters"] or ():
        shared.adapters[row["id"]] = SimpleNamespace(pk=row["id"], **row)
    return shared


def _adapter_reasons(request: UseRequest, adapters: dict) -> list[Reason]:
    """An adapter that is tainted, withdrawn or retired carries nothing: using it is refused."""
    reasons = []
    for pk in request.adapter_ids:
        adapter = adapters.get(pk)
        if adapter is None:
            reasons.append(
                Reason(
                    "unknown_adapter",
                    True,
                    f"Adapter {pk} does not exist.",
                    {"adapter": pk},
                    adapter=pk,
                    dimension="adapter",
                    value=str(pk),
                )
            )
        elif adapter.status != "active":
            why = f": {adapter.status_reason}" if adapter.status_reason else ""
            reasons.append(
                Reason(
                    f"adapter_{adapter.status}",
                    True,
                    f"Adapter {adapter.pk} ({adapter.name}) is {adapter.status}{why}.",
                    {"adapter": adapter.pk},
                    adapter=adapter.pk,
                    dimension="adapter",
                    value=str(pk),
                )
            )
    return reasons
