"""Tainted and withdrawn assets and adapters, with their causes and paths."""

from __future__ import annotations

from django.db.models import Q

from assets.choices import AssetStatus, LineageNode
from assets.models import Asset
from editing.choices import AdapterStatus
from editing.models import Adapter
from legal.reports.common import AUDIT, Key, Report, _label, _nodes, _params, _when
from licensing.models import (
    TaintRecord,
)

TAINTED_COLUMNS = "node_type id label production status cause reason since path".split()


def _path_text(path, labels: dict[Key, Asset | Adapter]) -> str:
    steps = []
    for step in path if isinstance(path, list) else []:
        key = tuple(step) if isinstance(step, list) and len(step) == 2 else None
        node = labels.get(key) if key else None
        steps.append(_label(node) if node else f"{key[0]} #{key[1]}" if key else str(step))
    return " → ".join(steps)


def _taint_rows(records: list[TaintRecord], nodes: dict, user) -> list[dict]:
    labels = _nodes(user, {tuple(s) for r in records for s in r.path if len(s) == 2})
    rows = []
    for record in records:
        node = nodes[(record.node_type, record.node_id)]
        rows.append(
            {
                "node_type": record.node_type,
                "id": record.node_id,
                "label": _label(node),
                "production": node.production.code,
                "status": node.status,
                "cause": record.run.cause_label,
                "reason": record.reason,
                "since": _when(record.created_at),
                "path": _path_text(record.path, labels),
            }
        )
    return rows


def report_tainted(*, user, **params) -> Report:
    """Tainted and withdrawn assets and adapters: one row per active taint cause (with its reason,
    date and lineage path), or the status reason where no cause is on record. About five queries."""
    _params(params, ())
    marked = {
        LineageNode.ASSET: Asset.objects.filter(
            status__in=[AssetStatus.TAINTED, AssetStatus.WITHDRAWN]
        ),
        LineageNode.ADAPTER: Adapter.objects.filter(
            status__in=[AdapterStatus.TAINTED, AdapterStatus.WITHDRAWN]
        ),
    }
    nodes: dict[Key, Asset | Adapter] = {}
    for node_type, queryset in marked.items():
        label = "original_filename" if node_type == LineageNode.ASSET else "name"
        rows = queryset.restrict(user, AUDIT).select_related("production")
        rows = rows.only(label, "status", "status_reason", "production__code")
        nodes |= {(node_type, row.pk): row for row in rows}
    match = Q()
    for node_type, queryset in marked.items():
        visible = queryset.restrict(user, AUDIT).values("pk")
        match |= Q(node_type=node_type, node_id__in=visible)
    records = list(
        TaintRecord.objects.restrict(user, AUDIT)
        .filter(match, lifted_at__isnull=True)
        .select_related("run")
        .order_by("node_type", "node_id", "created_at", "pk")
    )
    rows = _taint_rows([r for r in records if (r.node_type, r.node_id) in nodes], nodes, user)
    explained = {(r.node_type, r.node_id) for r in records}
    for key, node in nodes.items():
        if key not in explained:
            rows.append(
                {
                    "node_type": key[0],
                    "id": key[1],
                    "label": _label(node),
                    "production": node.production.code,
                    "status": node.status,
                    "cause": "",
                    "reason": node.status_reason,
                    "since": "",
                    "path": "",
                }
            )
    rows.sort(key=lambda row: (row["production"], row["node_type"], row["id"], row["since"]))
    return Report("Tainted and withdrawn", list(TAINTED_COLUMNS), rows)
