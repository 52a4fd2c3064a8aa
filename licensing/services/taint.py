"""Taint: when a license ends or a consent is withdrawn, find everything made from what it covered
and mark it, with the cause and the path; lift only that cause's taint when the license comes back.

Affected sets are found with one recursive query whatever the size of the graph, then marked in
batches by a Celery task that records its progress, so a worker that dies mid-way resumes where
the last batch ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from assets.choices import LineageNode
from assets.lineage import lineage_downstream, paths_from
from assets.models import Appearance, Asset
from licensing import events
from licensing.choices import ConsentScope, Coverage, LicenseStatus
from licensing.models import (
    AssetRightsHolder,
    Consent,
    License,
    LicensedAsset,
    TaintCause,
    TaintRecord,
    TaintRun,
)
from studio.actors import SystemActor, describe_actor
from studio.audit import audit_record
from studio.models import Production
from studio.queues import enqueue

if TYPE_CHECKING:
    from studio.actors import Actor

BATCH = 500
PROPAGATE_TASK = "licensing.propagate_taint"
TAINT = SystemActor("licensing.taint")
ENDED = frozenset({LicenseStatus.SUSPENDED, LicenseStatus.TERMINATED, LicenseStatus.EXPIRED})
TAINTABLE = {LineageNode.ASSET: "assets.Asset", LineageNode.ADAPTER: "editing.Adapter"}


def covered_assets(license: License) -> list[int]:
    """The footage a license covered (for a license that ended, that footage is itself affected)."""
    if license.coverage == Coverage.LISTED:
        return list(
            LicensedAsset.objects.filter(license=license).values_list("asset_id", flat=True)
        )
    assets = Asset.objects.filter(production_id=license.production_id)
    if license.coverage == Coverage.RIGHTS_HOLDER:
        held = AssetRightsHolder.objects.filter(party_id=license.licensor_id).values("asset_id")
        assets = assets.filter(pk__in=held)
    return list(assets.values_list("pk", flat=True))


def affected_nodes(cause_type: str, cause_id: int) -> list[tuple[tuple[str, int], int, list]]:
    """(node, depth, path) for everything the cause affects, in a stable order."""
    if cause_type == TaintCause.LICENSE:
        seeds = [(LineageNode.ASSET, pk) for pk in covered_assets(License.objects.get(pk=cause_id))]
        first_activity, include_seeds = None, True
    else:
        consent = Consent.objects.get(pk=cause_id)
        seeds = [
            (LineageNode.ASSET, pk)
            for pk in Appearance.objects.filter(person_id=consent.person_id)
            .values_list("asset_id", flat=True)
            .distinct()
        ]
        # The person's footage stays usable as it was shot; what relied on the consent is what is affected:
        # adapters trained on their likeness, or edits of their performance (and all made from those).
        first_activity = (
            "training_run" if consent.scope == ConsentScope.LIKENESS_TRAINING else "edit_job"
        )
        include_seeds = False
    reached = lineage_downstream(seeds, first_activity=first_activity)
    paths = paths_from(reached, seeds)
    nodes = [
        ((r.type, r.id), r.depth, paths[(r.type, r.id)]) for r in reached if r.type in TAINTABLE
    ]
    if include_seeds:
        nodes = [(seed, 0, [list(seed)]) for seed in sorted(seeds)] + nodes
    return nodes


def _cause(cause_type: str, cause_id: int) -> tuple[object, str, list[Production]]:
    """The cause, its label, and the productions it belongs to (a consent may span several)."""
    if cause_type == TaintCause.LICENSE:
        license = License.objects.select_related("production").get(pk=cause_id)
        return license, f"license {license.reference}", [license.production]
    consent = Consent.objects.select_related("person").get(pk=cause_id)
    productions = list(consent.productions.order_by("pk"))
    return consent, f"consent of {consent.person.name} for {consent.scope}", productions


def taint_propagate(*, actor: Actor, cause_type: str, cause_id: int, reason: str) -> TaintRun:
    """Record a propagation in the caller's transaction and queue it for when that commits.

    The services that end a right (``consent_revoke``, ``license_set_status``, the expiry sweep)
    call this inside their own transaction: the change and its taint run exist together or not at
    all. The run is marked by ``licensing.propagate_taint`` in batches.
    """
    _, label, productions = _cause(cause_type, cause_id)
    with transaction.atomic():
        run = TaintRun.objects.create(
            production=productions[0],
            cause_type=cause_type,
            cause_id=cause_id,
            cause_label=label,
            reason=reason,
            requested_by=describe_actor(actor).actor_name,
        )
        for production in productions:
            audit_record(
                actor=actor,
                action="licensing.taint.started",
                production=production,
                target=run,
                after={"cause": label, "reason": reason},
            )
        enqueue(PROPAGATE_TASK, run.pk)
    return run


def taint_follow_license(*, actor: Actor, license: License, before: str, reason: str = "") -> None:
    """A license that stops granting taints what it covered; one back in force lifts that taint.

    Called by ``license_set_status`` inside its transaction. A move between two ended states
    (suspended, then terminated) changes nothing: the taint already stands.
    """
    why = f"license {license.reference} {license.status}" + (f": {reason}" if reason else "")
    if license.status in ENDED and before == LicenseStatus.ACTIVE:
        taint_propagate(actor=actor, cause_type=TaintCause.LICENSE, cause_id=license.pk, reason=why)
    elif license.status == LicenseStatus.ACTIVE and before in ENDED:
        taint_lift(actor=actor, cause_type=TaintCause.LICENSE, cause_id=license.pk, reason=why)


def taint_run_execute(*, run_id: int, batch_size: int = BATCH) -> TaintRun:
    """Mark what the cause affects, batch by batch from where the last run stopped."""
    run = TaintRun.objects.get(pk=run_id)
    if run.status == TaintRun.Status.DONE:
        return run
    nodes = affected_nodes(run.cause_type, run.cause_id)
    TaintRun.objects.filter(pk=run.pk).update(status=TaintRun.Status.RUNNING, total=len(nodes))
    start = run.processed
    while start < len(nodes):
        _mark(run, nodes[start : start + batch_size])
        start += batch_size
        TaintRun.objects.filter(pk=run.pk).update(processed=min(start, len(nodes)))
    with transaction.atomic():
        run = TaintRun.objects.select_for_update().get(pk=run.pk)
        run.status, run.finished_at, run.processed = (
            TaintRun.Status.DONE,
            timezone.now(),
            len(nodes),
        )
        run.save(update_fields=["status", "finished_at", "processed"])
        _audit_finished(run)
    return run


def _audit_finished(run: TaintRun) -> None:
    """The end of a run in the chain of every production it touched: where the cause lives and
    where its affected nodes live, each with its own count."""
    counts = dict(
        TaintRecord.objects.filter(run=run)
        .order_by()
        .values_list("production_id")
        .annotate(n=Count("pk"))
        .values_list("production_id", "n")
    )
    _, _, productions = _cause(run.cause_type, run.cause_id)
    ids = {p.pk for p in productions} | set(counts)
    for production in Production.objects.filter(pk__in=ids).order_by("pk"):
        audit_record(
            actor=TAINT,
            action="licensing.taint.finished",
            production=production,
            target=run,
            after={"affected": counts.get(production.pk, 0), "cause": run.cause_label},
        )


def _status_reason(run: TaintRun) -> str:
    return f"tainted by {run.cause_label}: {run.reason}"[:500]


def _node_productions(batch: list) -> dict[tuple[str, int], int]:
    """Each node's own production: its taint record belongs to that production's legal staff."""
    found: dict[tuple[str, int], int] = {}
    for node_type, label in TAINTABLE.items():
        ids = [node[1] for node, _, _ in batch if node[0] == node_type]
        rows = apps.get_model(label).objects.filter(pk__in=ids).values_list("pk", "production_id")
        found.update({(node_type, pk): production_id for pk, production_id in rows})
    return found


def _mark(run: TaintRun, batch: list) -> None:
    """One batch, all or nothing: records (idempotent), statuses, and the MAM events."""
    productions = _node_productions(batch)
    with transaction.atomic():
        TaintRecord.objects.bulk_create(
            [
                TaintRecord(
                    run=run,
                    production_id=productions.get(tuple(node), run.production_id),
                    cause_type=run.cause_type,
                    cause_id=run.cause_id,
                    node_type=node[0],
                    node_id=node[1],
                    depth=depth,
                    path=path,
                    reason=run.reason,
                )
                for node, depth, path in batch
            ],
            ignore_conflicts=True,
        )
        reason = _status_reason(run)
        for node_type, label in TAINTABLE.items():
            ids = [node[1] for node, _, _ in batch if node[0] == node_type]
            model = apps.get_model(label)
            newly = list(
                model.objects.filter(pk__in=ids, status="active").values_list("pk", flat=True)
            )
            model.objects.filter(pk__in=newly).update(status="tainted", status_reason=reason)
            if node_type == LineageNode.ASSET and newly:
                events.assets_tainted(run, newly)


def taint_lift(*, actor: Actor, cause_type: str, cause_id: int, reason: str) -> int:
    """Undo one cause: its records are dated lifted; nodes no other cause holds become active again."""
    _, label, _ = _cause(cause_type, cause_id)
    now = timezone.now()
    with transaction.atomic():
        records = TaintRecord.objects.select_for_update().filter(
            cause_type=cause_type, cause_id=cause_id, lifted_at__isnull=True
        )
        nodes = list(records.values_list("node_type", "node_id", "production_id"))
        records.update(lifted_at=now, lifted_reason=reason)
        still = set(
            TaintRecord.objects.filter(
                lifted_at__isnull=True, node_id__in=[n[1] for n in nodes]
            ).values_list("node_type", "node_id")
        )
        for node_type, label_name in TAINTABLE.items():
            free = [n[1] for n in nodes if n[0] == node_type and (n[0], n[1]) not in still]
            apps.get_model(label_name).objects.filter(pk__in=free, status="tainted").update(
                status="active", status_reason=""
            )
        for production in Production.objects.filter(pk__in={n[2] for n in nodes}).order_by("pk"):
            audit_record(
                actor=actor,
                action="licensing.taint.lifted",
                production=production,
                target_type="licensing.taintcause",
                target_id=f"{cause_type}:{cause_id}",
                target_label=label,
                after={"nodes": len(nodes), "reason": reason},
            )
    return len(nodes)


def tainted_asset_causes(asset_ids: list[int]) -> dict[int, list[TaintRecord]]:
    records = TaintRecord.objects.filter(
        node_type=LineageNode.ASSET, node_id__in=asset_ids, lifted_at__isnull=True
    )
    found: dict[int, list[TaintRecord]] = {}
    for record in records:
        found.setdefault(record.node_id, []).append(record)
    return found


@dataclass
class TaintPreview:
    """What a cause would taint: counts by kind, and the first nodes (kind, id, label) in run order."""

    counts: dict[str, int]
    first: list[tuple[str, int, str]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


TAINT_LABELS = {LineageNode.ASSET: "original_filename", LineageNode.ADAPTER: "name"}


def taint_preview(*, cause_type: str, cause_id: int, limit: int = 10) -> TaintPreview:
    """The set a taint run for this cause would mark, from the same query the run uses."""
    nodes = [node for node, _, _ in affected_nodes(cause_type, cause_id)]
    counts = {kind: sum(1 for n in nodes if n[0] == kind) for kind in TAINTABLE}
    head = nodes[:limit]
    labels: dict[tuple[str, int], str] = {}
    for kind, model_label in TAINTABLE.items():
        ids = [pk for node_kind, pk in head if node_kind == kind]
        rows = apps.get_model(model_label).objects.filter(pk__in=ids)
        labels |= {(kind, pk): text for pk, text in rows.values_list("pk", TAINT_LABELS[kind])}
    first = [(kind, pk, labels.get((kind, pk), f"{kind} #{pk}")) for kind, pk in head]
    return TaintPreview({k: v for k, v in counts.items() if v}, first)
