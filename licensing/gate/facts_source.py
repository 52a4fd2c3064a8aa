"""Where the gate's facts come from: one JSON document for a set of uses (``facts_document``),
which ``licensing.gate.facts`` reads into its views.

On PostgreSQL it is one statement: a recursive CTE over the lineage of every input and adapter, and
the facts about what it reaches, kept in a PL/pgSQL function (``function_name``, created by
``install_function`` on every ``migrate``). Elsewhere (SQLite, running embedded) the same document
comes from a fixed number of ORM queries per lineage root.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.apps import apps
from django.db import connection, connections
from django.db.models import Q

from assets.choices import LineageNode
from assets.lineage import MAX_DEPTH, lineage_ancestors
from assets.models import Appearance, Asset, Derivation, Person
from licensing.choices import Coverage
from licensing.models import (
    AssetRightsHolder,
    Consent,
    Grant,
    License,
    LicensedAsset,
    Revocation,
    TaintRecord,
)


def facts_document(asset_roots: list[int], adapter_roots: list[int], actions: set[str]) -> dict:
    """The facts about these roots' lineage, for grants of these actions, in one round trip on
    PostgreSQL."""
    if connection.vendor != "postgresql":
        return _portable_document(asset_roots, adapter_roots, actions)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {function_name()}(%s::bigint[], %s::bigint[], %s, %s::varchar[])",
            [asset_roots, adapter_roots, MAX_DEPTH, sorted(actions)],
        )
        raw = cursor.fetchone()[0]
    return json.loads(raw) if isinstance(raw, str) else raw


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


def _portable_document(asset_roots, adapter_roots, actions) -> dict:
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
    return {
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
