"""Claiming and finishing a run (an edit job or a training run) under its row lock, so a second
delivery of the same task never does the work twice or records a second outcome.

The worker that claims a run takes its lease (``editing/services/leases.py``); a delivery that
finds the lease live is dropped, so two workers never run the same job at once.
"""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone

from editing.choices import FINISHED, JobStatus
from editing.services.leases import lease_is_live, lease_length
from studio.actors import SystemActor
from studio.audit import audit_record
from studio.outbox import outbox_delivery_started
from studio.prepared import PreparedGet, save_fields
from studio.queues import enqueue

log = logging.getLogger(__name__)
WORKER = SystemActor("editing.worker")
# What the gate at submit and a claim change on a run (a shorter UPDATE than every column, written
# once: ``studio.prepared``).
GATED_FIELDS = ["status", "queued_at", "finished_at", "error", "submit_evaluation", "updated_at"]
CLAIMED_FIELDS = [
    "status",
    "attempts",
    "worker",
    "device",
    "started_at",
    "heartbeat_at",
    "lease_expires_at",
    "updated_at",
]


def claim(model, pk: int, worker: str, prefix: str, device, announce=None):
    """Take the run for ``worker`` and return it, or ``None`` when it must not run here: gone,
    finished, cancelled, held by a live lease, or out of attempts (then failed, with the reason).
    ``device``: a name, or a function of the run that names it (asked only once the run is known to
    start). One locked read brings the production and model version the audit event and the worker
    need.

    The delivery is handled once this commits, the run taken or refused: the outbox message it came
    from is marked started in the same transaction, so a claim that fails leaves the message for
    the dispatcher to send again rather than a run queued that nothing will start."""
    with transaction.atomic():
        run = _take(model, pk, worker, prefix, device, announce)
        outbox_delivery_started()
    return run


@functools.cache
def _locked_read(model) -> PreparedGet:
    """The run's row, locked, with the production and model version the audit event and the
    worker need: one statement, written once per model."""
    return PreparedGet(model, ("production", "model_version"), lock=True)


def _take(model, pk: int, worker: str, prefix: str, device, announce):
    """``claim``'s work, under the run's row lock (the caller's transaction)."""
    run = _locked_read(model).get(pk, router.db_for_write(model))
    if run is None or run.status in FINISHED:
        return None
    now = timezone.now()
    if lease_is_live(run, now):  # its holder stops at its next step if it was cancelled
        log.info("%s is running on %s; dropped a second delivery to %s.", run, run.worker, worker)
        return None
    if run.cancel_requested:
        finish(run, JobStatus.CANCELLED, prefix, "Cancelled before it started.")
        return None
    if run.attempts >= settings.EDITING_MAX_ATTEMPTS:
        error = (
            f"Started {run.attempts} times without finishing (last on {run.worker}); given up "
            f"(EDITING_MAX_ATTEMPTS={settings.EDITING_MAX_ATTEMPTS})."
        )
        finish(run, JobStatus.FAILED, prefix, error, announce)
        return None
    run.status, run.attempts, run.worker, run.device = (
        JobStatus.RUNNING,
        run.attempts + 1,
        worker,
        device(run) if callable(device) else device,
    )
    run.started_at = run.started_at or now
    run.heartbeat_at, run.lease_expires_at = now, now + lease_length()
    save_fields(run, CLAIMED_FIELDS)
    audit_record(
        actor=WORKER,
        action=f"{prefix}.started",
        production=run.production,
        target=run,
        after={
            "attempt": run.attempts,
            "worker": worker,
            "device": run.device,
            "lease_expires_at": run.lease_expires_at.isoformat(),
        },
    )
    return run


def finish(run, status: str, prefix: str, error: str = "", announce=None) -> None:
    """Record the outcome and its audit event, and release the lease; ``announce(run)`` builds the
    MAM event in the same transaction."""
    run.status, run.error, run.finished_at = status, error[:5000], timezone.now()
    run.lease_expires_at = None
    run.save(update_fields=["status", "error", "finished_at", "lease_expires_at", "updated_at"])
    audit_record(
        actor=WORKER,
        action=f"{prefix}.{status}",
        production=run.production,
        target=run,
        after={"error": error[:500]} if error else {},
    )
    if announce is not None:
        announce(run)


def end(
    model,
    pk: int,
    status: str,
    prefix: str,
    error: str,
    announce=None,
    *,
    worker: str | None = None,
) -> None:
    """Finish a run that stopped early (denied at start, cancelled, failed), unless it already
    finished or, when ``worker`` is given, another worker has taken it over since."""
    with transaction.atomic():
        run = model.objects.select_for_update().get(pk=pk)
        if run.status in FINISHED or (worker is not None and not holds(run, worker)):
            return
        finish(run, status, prefix, error, announce)


def holds(run, worker: str) -> bool:
    """Whether ``worker`` still holds the run (read under its row lock)."""
    return run.status == JobStatus.RUNNING and run.worker == worker


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
    save_fields(run, GATED_FIELDS)
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
