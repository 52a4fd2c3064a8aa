"""Everything the gate needs to know, loaded in one statement whatever the number of uses, inputs,
people, licenses, adapters or the depth of the lineage.

One recursive CTE walks the lineage from every input and adapter of every use (keeping which root
each ancestor belongs to), and the facts about the assets it reaches (licenses covering them and
their grants, rights holders, listings, appearances, people, consents, revocations, taint causes,
adapters) come back in the same round trip as one JSON document. ``load_facts`` answers one use;
``load_shared_facts`` many at once (bulk checks), each use then reading its own ``Facts`` view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

from django.apps import apps
from django.db import connection, connections
from django.db.models import Q

from assets.choices import LineageNode
from assets.lineage import MAX_DEPTH, lineage_ancestors
from assets.models import Appearance, Asset, Derivation, Person
from licensing.choices import Coverage, RightsAction
from licensing.gate.decision import Reason, UseRequest
from licensing.models import (
    AssetRightsHolder,
    Consent,
    Grant,
    License,
    LicensedAsset,
    Revocation,
    TaintRecord,
)


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
    if connection.vendor != "postgresql":
        return _load_portable(requests, asset_roots, adapter_roots, actions)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {function_name()}(%s::bigint[], %s::bigint[], %s, %s::varchar[])",
            [asset_roots, adapter_roots, MAX_DEPTH, sorted(actions)],
        )
        raw = cursor.fetchone()[0]
    data = json.loads(raw) if isinstance(raw, str) else raw
    return _build(data)


# The statement runs inside a PL/pgSQL function, which keeps its plan for the session: planning the
# statement each time would cost more than running it. Left to choose, PostgreSQL plans it afresh
# on every call once the lineage table is large (its estimate for the generic plan, blind to how
# few ids come in, is above a custom plan's), and planning cost three times the run; the generic
# plan walks every table by index whatever the number of ids, so the function always keeps it.
# The function's name carries a digest of its definition, so a database always runs the statement
# of the code that calls it; ``install_function`` creates it (on every ``migrate``, see
# ``licensing.apps``).


@lru_cache(maxsize=1)
def _function() -> tuple[str, str]:
    definition = f"""(
    p_assets bigint[], p_adapters bigint[], p_depth integer, p_actions varchar[]
) RETURNS json LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $gate$
BEGIN
    RETURN ({_sql()});
END
$gate$"""
    digest = hashlib.sha256(definition.encode()).hexdigest()[:12]
    name = f"clearcut_gate_facts_{digest}"
    return name, f"CREATE OR REPLACE FUNCTION {name}{definition}"


def function_name() -> str:
    return _function()[0]


def install_function(using: str = "default") -> None:
    """Create the facts function on a PostgreSQL database (idempotent)."""
    target = connections[using]
    if target.vendor != "postgresql":
        return
    with target.cursor() as cursor:
        cursor.execute(_function()[1])


def _t(model) -> str:
    return model._meta.db_table


def _sql() -> str:
    adapter = apps.get_model("editing", "Adapter")  # the floor above: by label, never imported
    grant_productions = _t(Grant.productions.through)
    consent_productions = _t(Consent.productions.through)
    return f"""
WITH RECURSIVE
seeds(node_type, node_id) AS (
    SELECT CAST('{LineageNode.ASSET}' AS VARCHAR(16)), CAST(x AS BIGINT) FROM unnest(p_assets) x
    UNION ALL
    SELECT CAST('{LineageNode.ADAPTER}' AS VARCHAR(16)), CAST(x AS BIGINT) FROM unnest(p_adapters) x
),
walk(root_type, root_id, node_type, node_id, depth) AS (
    SELECT node_type, node_id, node_type, node_id, 0 FROM seeds
    UNION
    SELECT w.root_type, w.root_id, d.input_type, d.input_id, w.depth + 1
    FROM {_t(Derivation)} d JOIN walk w ON d.output_type = w.node_type AND d.output_id = w.node_id
    WHERE w.depth < p_depth
),
lineage AS (
    SELECT root_type, root_id, node_id, MIN(depth) AS depth FROM walk
    WHERE depth > 0 AND node_type = '{LineageNode.ASSET}' GROUP BY root_type, root_id, node_id
),
ids AS (SELECT unnest(p_assets) AS id UNION SELECT node_id FROM lineage),
a AS (
    SELECT id, production_id, status, status_reason, origin, original_filename
    FROM {_t(Asset)} WHERE id IN (SELECT id FROM ids)
),
holders AS (SELECT asset_id, party_id FROM {_t(AssetRightsHolder)} WHERE asset_id IN (SELECT id FROM a)),
listed AS (SELECT license_id, asset_id FROM {_t(LicensedAsset)} WHERE asset_id IN (SELECT id FROM a)),
covering AS (
    SELECT l.id FROM {_t(License)} l
    WHERE l.coverage = '{Coverage.LISTED}' AND l.id IN (SELECT license_id FROM listed)
    UNION
    SELECT l.id FROM {_t(License)} l
    WHERE l.coverage = '{Coverage.PRODUCTION}' AND l.production_id IN (SELECT production_id FROM a)
    UNION
    SELECT l.id FROM {_t(License)} l
    WHERE l.coverage = '{Coverage.RIGHTS_HOLDER}' AND l.licensor_id IN (SELECT party_id FROM holders)
      AND l.production_id IN (SELECT production_id FROM a)
),
g AS (
    SELECT g.id, g.license_id, g.section, g.kind, g.action, g.territory_include,
           g.territory_exclude, g.media, g.languages, g.valid_from, g.valid_until,
           g.attribution, g.notice,
           l.reference, l.status AS license_status, l.starts_at, l.ends_at, l.coverage,
           l.production_id, l.licensor_id,
           ARRAY(SELECT gp.production_id FROM {grant_productions} gp WHERE gp.grant_id = g.id)
               AS productions
    FROM {_t(Grant)} g JOIN {_t(License)} l ON l.id = g.license_id
    WHERE g.license_id IN (SELECT id FROM covering) AND g.action = ANY(p_actions)
),
ap AS (SELECT DISTINCT asset_id, person_id FROM {_t(Appearance)} WHERE asset_id IN (SELECT id FROM a)),
c AS (
    SELECT c.id, c.person_id, c.scope, c.valid_from, c.valid_until, c.signed_by,
           c.guardian_signature, c.representative_signature, r.revoked_at,
           ARRAY(SELECT cp.production_id FROM {consent_productions} cp WHERE cp.consent_id = c.id)
               AS productions
    FROM {_t(Consent)} c LEFT JOIN {_t(Revocation)} r ON r.consent_id = c.id
    WHERE c.person_id IN (SELECT person_id FROM ap)
)
SELECT json_build_object(
    'lineage', (SELECT json_agg(json_build_array(root_type, root_id, node_id, depth)) FROM lineage),
    'assets', (SELECT json_agg(a) FROM a),
    'parents', (
        SELECT json_agg(DISTINCT output_id) FROM {_t(Derivation)}
        WHERE output_type = '{LineageNode.ASSET}' AND output_id IN (SELECT id FROM a)
    ),
    'holders', (SELECT json_agg(json_build_array(asset_id, party_id)) FROM holders),
    'listed', (SELECT json_agg(json_build_array(license_id, asset_id)) FROM listed),
    'grants', (SELECT json_agg(g ORDER BY g.id) FROM g),
    'appearances', (SELECT json_agg(json_build_array(asset_id, person_id)) FROM ap),
    'people', (
        SELECT json_agg(json_build_object('id', p.id, 'name', p.name, 'is_minor', p.is_minor,
                                          'is_deceased', p.is_deceased))
        FROM {_t(Person)} p WHERE p.id IN (SELECT person_id FROM ap)
    ),
    'consents', (SELECT json_agg(c ORDER BY c.id) FROM c),
    'taint', (
        SELECT json_agg(json_build_array(t.node_id, t.cause_type, t.cause_id) ORDER BY t.id)
        FROM {_t(TaintRecord)} t
        WHERE t.node_type = '{LineageNode.ASSET}' AND t.lifted_at IS NULL
          AND t.node_id IN (SELECT id FROM a WHERE status = 'tainted')
    ),
    'adapters', (
        SELECT json_agg(json_build_object('id', x.id, 'name', x.name, 'status', x.status,
                                          'status_reason', x.status_reason))
        FROM {_t(adapter)} x WHERE x.id = ANY(p_adapters)
    )
)
"""  # noqa: S608  (identifiers are ours; values are parameters)


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


def _load_portable(requests, asset_roots, adapter_roots, actions) -> Shared:
    """The same facts on databases without PL/pgSQL (SQLite, for running embedded): the same
    document, from a fixed number of ORM queries per lineage root."""
    lineage = []
    for node_type, roots in (
        (LineageNode.ASSET, asset_roots),
        (LineageNode.ADAPTER, adapter_roots),
    ):
        for root in roots:
            for node in lineage_ancestors([(node_type, root)]):
                if node.type == LineageNode.ASSET:
                    lineage.append([node_type, root, node.id, node.depth])
    ids = set(asset_roots) | {row[2] for row in lineage}
    assets = list(
        Asset.objects.filter(pk__in=ids).values(
            "id", "production_id", "status", "status_reason", "origin", "original_filename"
        )
    )
    found = [a["id"] for a in assets]
    productions = {a["production_id"] for a in assets}
    holders = list(
        AssetRightsHolder.objects.filter(asset_id__in=found).values_list("asset_id", "party_id")
    )
    listed = list(
        LicensedAsset.objects.filter(asset_id__in=found).values_list("license_id", "asset_id")
    )
    covering = License.objects.filter(
        Q(coverage=Coverage.LISTED, pk__in=[license_id for license_id, _ in listed])
        | Q(coverage=Coverage.PRODUCTION, production_id__in=productions)
        | Q(
            coverage=Coverage.RIGHTS_HOLDER,
            licensor_id__in=[party for _, party in holders],
            production_id__in=productions,
        )
    ).values("pk")
    grants = []
    for grant in (
        Grant.objects.filter(license_id__in=covering, action__in=actions)
        .select_related("license")
        .prefetch_related("productions")
        .order_by("pk")
    ):
        lic = grant.license
        grants.append(
            {
                **{f: getattr(grant, f) for f in _GRANT_FIELDS},
                "id": grant.pk,
                "license_id": lic.pk,
                "reference": lic.reference,
                "license_status": lic.status,
                "starts_at": lic.starts_at,
                "ends_at": lic.ends_at,
                "coverage": lic.coverage,
                "production_id": lic.production_id,
                "licensor_id": lic.licensor_id,
                "productions": [p.pk for p in grant.productions.all()],
            }
        )
    appearances = sorted(
        set(Appearance.objects.filter(asset_id__in=found).values_list("asset_id", "person_id"))
    )
    people_ids = {person for _, person in appearances}
    people = list(
        Person.objects.filter(pk__in=people_ids).values("id", "name", "is_minor", "is_deceased")
    )
    consents = []
    for consent in (
        Consent.objects.filter(person_id__in=people_ids)
        .select_related("revocation")
        .prefetch_related("productions")
        .order_by("pk")
    ):
        revocation = getattr(consent, "revocation", None)
        consents.append(
            {
                **{f: getattr(consent, f) for f in _CONSENT_FIELDS},
                "id": consent.pk,
                "revoked_at": revocation.revoked_at if revocation is not None else None,
                "productions": [p.pk for p in consent.productions.all()],
            }
        )
    tainted = [a["id"] for a in assets if a["status"] == "tainted"]
    taint = list(
        TaintRecord.objects.filter(node_type=LineageNode.ASSET, node_id__in=tainted, lifted_at=None)
        .order_by("pk")
        .values_list("node_id", "cause_type", "cause_id")
    )
    adapters = list(
        apps.get_model("editing", "Adapter")
        .objects.filter(pk__in=adapter_roots)
        .values("id", "name", "status", "status_reason")
    )
    parents = Derivation.objects.filter(output_type=LineageNode.ASSET, output_id__in=found)
    return _build(
        {
            "lineage": lineage,
            "assets": assets,
            "parents": sorted(set(parents.values_list("output_id", flat=True))),
            "holders": holders,
            "listed": listed,
            "grants": grants,
            "appearances": appearances,
            "people": people,
            "consents": consents,
            "taint": taint,
            "adapters": adapters,
        }
    )


_GRANT_FIELDS = (
    "section",
    "kind",
    "action",
    "territory_include",
    "territory_exclude",
    "media",
    "languages",
    "valid_from",
    "valid_until",
    "attribution",
    "notice",
)
_CONSENT_FIELDS = (
    "person_id",
    "scope",
    "valid_from",
    "valid_until",
    "signed_by",
    "guardian_signature",
    "representative_signature",
)


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
