"""Taint: when a license ends or a consent is withdrawn, find everything made from what it covered
and mark it, with the cause and the path; lift only that cause's taint when the license comes back.

Affected sets are found with one recursive statement whatever the size of the graph
(``taint_affected``), staged in a table, then marked in batches of set-based statements by a Celery
task that records its progress with each batch, so a worker that dies mid-way resumes where the
last batch ended.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from assets.choices import LineageNode
from licensing import events
from licensing.choices import LicenseStatus
from licensing.models import Consent, License, TaintCause, TaintRecord, TaintRun
from licensing.services.taint_affected import (
    TAINTABLE,
    Stage,
    affected_counts_and_head,
    affected_nodes,  # noqa: F401  (part of this module's interface: previews and tests)
)
from studio.actors import SystemActor, describe_actor
from studio.audit import audit_record
from studio.events import listening_production_ids
from studio.locks import sole_runner
from studio.models import Production
from studio.outbox import outbox_delivery_started
from studio.queues import enqueue

if TYPE_CHECKING:
    from studio.actors import Actor

log = logging.getLogger(__name__)
# Nodes per batch (one transaction each). Measured with bench/taint.py (22k affected nodes,
# PostgreSQL): 2k, 5k, 10k and 25k took 6.1, 6.7, 5.9 and 6.6 s, the writes themselves dominate;
# 10k keeps each transaction's row locks short at no cost.
BATCH = 10_000
PROPAGATE_TASK = "licensing.propagate_taint"
TAINT = SystemActor("licensing.taint")
ENDED = frozenset({LicenseStatus.SUSPENDED, LicenseStatus.TERMINATED, LicenseStatus.EXPIRED})


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
    """Mark what the cause affects, batch by batch from where the last run stopped.

    The affected set is computed once into a staging table; each batch is a few set-based
    statements over it, so the number of queries grows with the number of batches only.

    One worker marks a run at a time (``sole_runner``): a second delivery while it runs is
    dropped. The outbox message that brought the run is marked started with the run's end, so a
    run that fails mid-way (the database lost, a statement timeout) is sent again by the
    dispatcher after ``OUTBOX_RESEND_AFTER_SECONDS`` and resumes where it stopped.
    """
    with sole_runner("licensing.taintrun", run_id) as mine:
        if not mine:
            log.info("Taint run %s is being marked elsewhere; dropped a second delivery.", run_id)
            return TaintRun.objects.get(pk=run_id)
        return _execute(TaintRun.objects.get(pk=run_id), batch_size)


def _execute(run: TaintRun, batch_size: int) -> TaintRun:
    if run.status == TaintRun.Status.DONE:
        outbox_delivery_started()  # a message sent again after the run ended
        return run
    stage = Stage(run.pk)
    try:
        total = stage.fill(run.cause_type, run.cause_id)
        TaintRun.objects.filter(pk=run.pk).update(status=TaintRun.Status.RUNNING, total=total)
        listening = listening_production_ids()
        start = run.processed
        while start < total:
            seqs = range(start + 1, min(start + batch_size, total) + 1)
            _mark(run, _Batch(stage, seqs, listening))
            start += batch_size
    finally:
        stage.drop()
    with transaction.atomic():
        run = TaintRun.objects.select_for_update().get(pk=run.pk)
        run.status, run.finished_at, run.processed = TaintRun.Status.DONE, timezone.now(), total
        run.save(update_fields=["status", "finished_at", "processed"])
        _audit_finished(run)
        outbox_delivery_started()
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


@dataclass(frozen=True)
class _Batch:
    """Rows ``seqs`` of the staging table; ``listening``: productions that want events."""

    stage: Stage
    seqs: range
    listening: set[int]

    def __len__(self) -> int:
        return len(self.seqs)


def _mark(run: TaintRun, batch: _Batch) -> None:
    """One batch, all or nothing: records (idempotent), statuses, the MAM events for newly tainted
    assets, and the run's progress."""
    stage, window = batch.stage, [batch.seqs.start - 1, batch.seqs.stop - 1]
    reason = _status_reason(run)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            stage.records_insert(),
            [run.pk, run.production_id, run.cause_type, run.cause_id, run.reason, now, *window],
        )
        for node_type, label in TAINTABLE.items():
            table = apps.get_model(label)._meta.db_table
            events_wanted = node_type == LineageNode.ASSET and batch.listening
            cursor.execute(
                f"UPDATE {table} SET status = 'tainted', status_reason = %s "  # noqa: S608
                f"WHERE status = 'active' AND {stage.ids(node_type)}"
                + (" RETURNING id" if events_wanted else ""),
                [reason, *window],
            )
            if events_wanted and (newly := [row[0] for row in cursor.fetchall()]):
                events.assets_tainted(run, newly)
        TaintRun.objects.filter(pk=run.pk).update(processed=window[1])


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
    """The set a taint run for this cause would mark, from the same statement the run uses."""
    counts, head = affected_counts_and_head(cause_type, cause_id, limit)
    labels: dict[tuple[str, int], str] = {}
    for kind, model_label in TAINTABLE.items():
        ids = [pk for node_kind, pk in head if node_kind == kind]
        if not ids:
            continue
        rows = apps.get_model(model_label).objects.filter(pk__in=ids)
        labels |= {(kind, pk): text for pk, text in rows.values_list("pk", TAINT_LABELS[kind])}
    first = [(kind, pk, labels.get((kind, pk), f"{kind} #{pk}")) for kind, pk in head]
    return TaintPreview({k: v for k, v in counts.items() if v}, first)
