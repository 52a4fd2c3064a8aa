"""Claiming and finishing a run (an edit job or a training run) under its row lock, so a second
delivery of the same task never does the work twice or records a second outcome."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from editing.choices import FINISHED, JobStatus
from studio.actors import SystemActor
from studio.audit import audit_record
from studio.queues import enqueue

WORKER = SystemActor("editing.worker")


def claim(model, pk: int, worker: str, prefix: str, device: str):
    with transaction.atomic():
        run = model.objects.select_for_update().filter(pk=pk).first()
        if run is None or run.status in FINISHED:
            return None
        if run.cancel_requested:
            finish(run, JobStatus.CANCELLED, prefix, "Cancelled before it started.")
            return None
        run.status, run.attempts, run.worker, run.device = (
            JobStatus.RUNNING,
            run.attempts + 1,
            worker,
            device,
        )
        run.started_at = run.started_at or timezone.now()
        run.save()
        audit_record(
            actor=WORKER,
            action=f"{prefix}.started",
            production=run.production,
            target=run,
            after={"attempt": run.attempts, "worker": worker, "device": device},
        )
    return run


def finish(run, status: str, prefix: str, error: str = "", announce=None) -> None:
    """Record the outcome and its audit event; ``announce(run)`` builds the MAM event in the same
    transaction."""
    run.status, run.error, run.finished_at = status, error[:5000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    audit_record(
        actor=WORKER,
        action=f"{prefix}.{status}",
        production=run.production,
        target=run,
        after={"error": error[:500]} if error else {},
    )
    if announce is not None:
        announce(run)


def end(model, pk: int, status: str, prefix: str, error: str, announce=None) -> None:
    """Finish a run that stopped early (denied at start, cancelled, failed), unless it already finished."""
    with transaction.atomic():
        run = model.objects.select_for_update().get(pk=pk)
        if run.status not in FINISHED:
            finish(run, status, prefix, error, announce)


def queue_or_deny(
    *, actor, run, decision, prefix: str, facts: dict, task_name: str, announce
) -> None:
    """After the gate at submit: an allowed run goes to the GPU queue after commit; a denied one is
    kept, finished, with its reasons, and announced."""
    if decision.allowed:
        run.status, run.queued_at = JobStatus.QUEUED, timezone.now()
    else:
        run.status, run.finished_at = JobStatus.DENIED, timezone.now()
        run.error = "\n".join(r.message for r in decision.blocking)
    run.save()
    audit_record(
        actor=actor,
        action=f"{prefix}.{'queued' if decision.allowed else 'denied'}",
        production=run.production,
        target=run,
        after={**facts, "reasons": [r.message for r in decision.blocking]},
    )
    if decision.allowed:
        enqueue(task_name, run.pk)
    else:
        announce(run)


def intended_instant(run, *, starting: bool = False):
    """The instant a run's use is gated for: the one it was requested for; when a worker starts it,
    never earlier than now (a consent revoked since the request stops it)."""
    now = timezone.now()
    at = run.intended_use_at or now
    return max(at, now) if starting else at
