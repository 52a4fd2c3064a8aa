"""What a taint cause affects, as one SQL statement: the footage it touched (seeds), everything made
from it through the lineage (one recursive walk), each node's shortest path back to a seed, and a
stable order (depth, kind, id) numbered from 1.

The statement is run once to fill a staging table that the run marks batch by batch with
``INSERT … SELECT`` and ``UPDATE … WHERE id IN (SELECT …)``: the affected rows never travel through
Python. The preview and ``affected_nodes`` read the same statement. The SQL is the same on
PostgreSQL and SQLite.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.db.models import F

from assets.choices import LineageNode
from assets.lineage import MAX_DEPTH
from assets.models import Appearance, Asset, Derivation
from licensing.choices import ConsentScope, Coverage
from licensing.models import (
    AssetRightsHolder,
    Consent,
    License,
    LicensedAsset,
    TaintCause,
    TaintRecord,
)

TAINTABLE = {LineageNode.ASSET: "assets.Asset", LineageNode.ADAPTER: "editing.Adapter"}


@dataclass(frozen=True)
class Affected:
    """The statement that lists (seq, node_type, node_id, depth, path JSON) for one cause."""

    sql: str
    params: list


def _covered(license: License):
    """The footage a license covered, as a subquery (for a license that ended, it is affected too)."""
    if license.coverage == Coverage.LISTED:
        return LicensedAsset.objects.filter(license=license).values(seed=F("asset_id"))
    assets = Asset.objects.filter(production_id=license.production_id)
    if license.coverage == Coverage.RIGHTS_HOLDER:
        held = AssetRightsHolder.objects.filter(party_id=license.licensor_id).values("asset_id")
        assets = assets.filter(pk__in=held)
    return assets.values(seed=F("pk"))


def _seeds(cause_type: str, cause_id: int):
    """(seed subquery, the activity the first step must go through, whether seeds are affected)."""
    if cause_type == TaintCause.LICENSE:
        return _covered(License.objects.get(pk=cause_id)), None, True
    consent = Consent.objects.get(pk=cause_id)
    # The person's footage stays usable as it was shot; what relied on the consent is what is affected:
    # adapters trained on their likeness, or edits of their performance (and all made from those).
    first = "training_run" if consent.scope == ConsentScope.LIKENESS_TRAINING else "edit_job"
    return (
        Appearance.objects.filter(person_id=consent.person_id).values(seed=F("asset_id")),
        first,
        False,
    )


def _element(alias: str) -> str:
    """One ``["type", id]`` of a path, as JSON text."""
    return f"""'["' || {alias}.node_type || '", ' || CAST({alias}.node_id AS VARCHAR(20)) || ']'"""


def affected_statement(cause_type: str, cause_id: int) -> Affected:
    """One statement for the whole affected set, whatever the size or depth of the graph.

    A node reached at several depths keeps its smallest, and of the parents at that depth the
    first in (type, id) order; its path follows those parents back to a seed.
    """
    seeds, first_activity, include_seeds = _seeds(cause_type, cause_id)
    seed_sql, seed_params = seeds.query.sql_with_params()
    table = Derivation._meta.db_table
    first = "AND (walk.depth > 0 OR d.activity_type = %s)" if first_activity else ""
    seed_rows = (
        "SELECT node_type, node_id, 0 AS depth FROM seeds UNION ALL" if include_seeds else ""
    )
    kinds = ", ".join(f"'{kind}'" for kind in TAINTABLE)
    sql = f"""
        WITH RECURSIVE
        seeds(node_type, node_id) AS (
            SELECT DISTINCT CAST('{LineageNode.ASSET}' AS VARCHAR(16)), CAST(x.seed AS BIGINT)
            FROM ({seed_sql}) x
        ),
        walk(node_type, node_id, depth, parent_type, parent_id) AS (
            SELECT node_type, node_id, 0, CAST(NULL AS VARCHAR(16)), CAST(NULL AS BIGINT) FROM seeds
            UNION
            SELECT d.output_type, d.output_id, walk.depth + 1, walk.node_type, walk.node_id
            FROM {table} d JOIN walk ON d.input_type = walk.node_type AND d.input_id = walk.node_id
            WHERE walk.depth < %s {first}
        ),
        ranked AS (
            SELECT w.node_type, w.node_id, w.depth, w.parent_type, w.parent_id,
                   CASE WHEN s.node_id IS NULL THEN 0 ELSE 1 END AS is_seed,
                   ROW_NUMBER() OVER (
                       PARTITION BY w.node_type, w.node_id
                       ORDER BY w.depth, w.parent_type, w.parent_id
                   ) AS n
            FROM walk w LEFT JOIN seeds s ON s.node_type = w.node_type AND s.node_id = w.node_id
            WHERE w.depth > 0
        ),
        best AS (
            SELECT node_type, node_id, depth, parent_type, parent_id, is_seed FROM ranked WHERE n = 1
        ),
        paths(node_type, node_id, path) AS (
            SELECT node_type, node_id, CAST({_element("seeds")} AS TEXT) FROM seeds
            UNION ALL
            SELECT b.node_type, b.node_id, p.path || ', ' || {_element("b")}
            FROM best b JOIN paths p ON b.parent_type = p.node_type AND b.parent_id = p.node_id
            WHERE b.is_seed = 0
        ),
        affected AS (
            {seed_rows}
            SELECT node_type, node_id, depth FROM best {"WHERE is_seed = 0" if include_seeds else ""}
        )
        SELECT ROW_NUMBER() OVER (ORDER BY a.depth, a.node_type, a.node_id) AS seq,
               a.node_type, a.node_id, a.depth, '[' || p.path || ']' AS path
        FROM affected a JOIN paths p ON p.node_type = a.node_type AND p.node_id = a.node_id
        WHERE a.node_type IN ({kinds})
    """  # noqa: S608  (identifiers and kinds are ours; values are parameters)
    params = [*seed_params, MAX_DEPTH] + ([first_activity] if first_activity else [])
    return Affected(sql, params)


def affected_nodes(cause_type: str, cause_id: int) -> list[tuple[tuple[str, int], int, list]]:
    """(node, depth, path) for everything the cause affects, in run order."""
    statement = affected_statement(cause_type, cause_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({statement.sql}) affected ORDER BY seq", statement.params)  # noqa: S608
        return [((t, i), depth, json.loads(path)) for _, t, i, depth, path in cursor.fetchall()]


def affected_counts_and_head(
    cause_type: str, cause_id: int, limit: int
) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Counts by kind and the first ``limit`` nodes in run order, from one statement."""
    statement = affected_statement(cause_type, cause_id)
    sql = f"""
        SELECT node_type, node_id, seq, COUNT(*) OVER (PARTITION BY node_type)
        FROM ({statement.sql}) affected ORDER BY seq
    """  # noqa: S608
    counts: dict[str, int] = {}
    head: list[tuple[str, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, statement.params)
        for node_type, node_id, seq, count in cursor.fetchall():
            counts[node_type] = count
            if seq <= limit:
                head.append((node_type, node_id))
    return counts, head


class Stage:
    """The affected set of one run in a temporary table of this connection, numbered by ``seq``."""

    def __init__(self, run_id: int):
        self.table = f"taint_stage_{int(run_id)}"

    def fill(self, cause_type: str, cause_id: int) -> int:
        statement = affected_statement(cause_type, cause_id)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} AS {statement.sql}", statement.params
            )
            cursor.execute(f"CREATE INDEX {self.table}_seq ON {self.table} (seq)")
            if connection.vendor == "postgresql":
                # Temporary tables get no statistics otherwise; the batches' plans need them.
                cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")  # noqa: S608
            return cursor.fetchone()[0]

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")

    def ids(self, node_type: str) -> str:
        """``id`` in the batch ``seq`` ∈ (%s, %s] of one kind, as a condition that looks each id
        up by primary key (on PostgreSQL an array: a join would scan the whole table once the
        database is large, and the cost would follow its size instead of the batch's)."""
        batch = (
            f"SELECT node_id FROM {self.table} "  # noqa: S608
            f"WHERE node_type = '{node_type}' AND seq > %s AND seq <= %s"
        )
        if connection.vendor == "postgresql":
            return f"id = ANY(ARRAY({batch}))"
        return f"id IN ({batch})"

    def records_insert(self) -> str:
        """``INSERT … SELECT`` of the batch's taint records, each in its node's own production
        (looked up by primary key, row by row, for the same reason as ``ids``)."""
        asset, adapter = (apps.get_model(label)._meta.db_table for label in TAINTABLE.values())
        path = "CAST(s.path AS jsonb)" if connection.vendor == "postgresql" else "s.path"
        return f"""
            INSERT INTO {TaintRecord._meta.db_table} (run_id, production_id, cause_type, cause_id,
                node_type, node_id, depth, path, reason, created_at, lifted_reason)
            SELECT %s, COALESCE(
                    (SELECT a.production_id FROM {asset} a
                     WHERE s.node_type = '{LineageNode.ASSET}' AND a.id = s.node_id),
                    (SELECT ad.production_id FROM {adapter} ad
                     WHERE s.node_type = '{LineageNode.ADAPTER}' AND ad.id = s.node_id),
                    %s),
                %s, %s, s.node_type, s.node_id, s.depth, {path}, %s, %s, ''
            FROM {self.table} s
            WHERE s.seq > %s AND s.seq <= %s
            ON CONFLICT DO NOTHING
        """  # noqa: S608  (identifiers are ours; values are parameters)
