"""The provenance graph: ancestors and descendants over Derivation edges, and W3C PROV export.

Both walks are one recursive CTE each: the number of queries does not depend on the depth or the
width of the graph. The SQL is the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from assets.choices import LineageNode
from assets.models import Asset, Derivation
from assets.prov import prov_document

MAX_DEPTH = 64


@dataclass(frozen=True)
class Node:
    type: str
    id: int
    depth: int


SEED_CHUNK = 5000  # seeds per statement: far below SQLite's and PostgreSQL's parameter limits


def _seeds_cte(count: int) -> str:
    """A flat VALUES list (a chain of UNIONs this long would exhaust PostgreSQL's parser stack)."""
    rows = ["(CAST(%s AS VARCHAR(16)), CAST(%s AS BIGINT))"] + ["(%s, %s)"] * (count - 1)
    return "seeds(node_type, node_id) AS (VALUES " + ", ".join(rows) + ")"


def _chunks(seeds: list) -> Iterable[list]:
    for start in range(0, len(seeds), SEED_CHUNK):
        yield seeds[start : start + SEED_CHUNK]


def _walk(seeds: Iterable[tuple[str, int]], *, downstream: bool, max_depth: int) -> list[Node]:
    """One statement per SEED_CHUNK seeds, whatever the depth or width of the graph."""
    seeds = list(dict.fromkeys(seeds))
    table = Derivation._meta.db_table
    near, far = ("input", "output") if downstream else ("output", "input")
    depths: dict[tuple[str, int], int] = {}
    for chunk in _chunks(seeds):
        sql = f"""
            WITH RECURSIVE {_seeds_cte(len(chunk))},
            walk(node_type, node_id, depth) AS (
                SELECT CAST(node_type AS VARCHAR(16)), CAST(node_id AS BIGINT), 0 FROM seeds
                UNION
                SELECT d.{far}_type, d.{far}_id, walk.depth + 1
                FROM {table} d JOIN walk
                  ON d.{near}_type = walk.node_type AND d.{near}_id = walk.node_id
                WHERE walk.depth < %s
            )
            SELECT node_type, node_id, MIN(depth) FROM walk WHERE depth > 0 GROUP BY node_type, node_id
        """  # noqa: S608  (identifiers are ours; values are parameters)
        with connection.cursor() as cursor:
            cursor.execute(sql, [value for seed in chunk for value in seed] + [max_depth])
            for node_type, node_id, depth in cursor.fetchall():
                key = (node_type, node_id)
                depths[key] = min(depth, depths.get(key, depth))
    return [
        Node(t, i, d) for (t, i), d in sorted(depths.items(), key=lambda item: (item[1], item[0]))
    ]


def lineage_descendants(
    seeds: Iterable[tuple[str, int]], *, max_depth: int = MAX_DEPTH
) -> list[Node]:
    """Everything made, directly or not, from any of the seeds (assets, adapters, models)."""
    return _walk(seeds, downstream=True, max_depth=max_depth)


def lineage_ancestors(
    seeds: Iterable[tuple[str, int]], *, max_depth: int = MAX_DEPTH
) -> list[Node]:
    """Everything any of the seeds was made from, at any distance."""
    return _walk(seeds, downstream=False, max_depth=max_depth)


def asset_descendants(assets, *, max_depth: int = MAX_DEPTH) -> list[Node]:
    return lineage_descendants(((LineageNode.ASSET, a.pk) for a in assets), max_depth=max_depth)


def asset_ancestors(asset, *, max_depth: int = MAX_DEPTH) -> list[Node]:
    return lineage_ancestors([(LineageNode.ASSET, asset.pk)], max_depth=max_depth)


def asset_lineage_prov(asset, *, principal=None) -> dict:
    """The asset's ancestry and descendants as a W3C PROV-JSON document (see ``assets.prov``).

    With a principal, footage of productions they cannot see is left out, edges to it included.
    """
    nodes = [
        Node(LineageNode.ASSET, asset.pk, 0),
        *asset_ancestors(asset),
        *asset_descendants([asset]),
    ]
    keys = {(n.type, n.id) for n in nodes}
    if principal is not None:
        asset_ids = [n.id for n in nodes if n.type == LineageNode.ASSET]
        visible = set(
            Asset.objects.restrict(principal).filter(pk__in=asset_ids).values_list("pk", flat=True)
        )
        keys = {(t, i) for t, i in keys if t != LineageNode.ASSET or i in visible}
    ids_by_type: dict[str, set[int]] = {}
    for node_type, node_id in keys:
        ids_by_type.setdefault(node_type, set()).add(node_id)
    edges = Derivation.objects.filter(
        output_type__in=ids_by_type, output_id__in={i for s in ids_by_type.values() for i in s}
    )
    edges = [
        e
        for e in edges
        if (e.output_type, e.output_id) in keys and (e.input_type, e.input_id) in keys
    ]
    assets = {a.pk: a for a in Asset.objects.filter(pk__in=ids_by_type.get(LineageNode.ASSET, ()))}
    return prov_document(keys, edges, assets)
