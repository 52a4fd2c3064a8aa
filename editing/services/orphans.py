"""Runs whose worker is gone: found by their expired lease, queued again or, once their attempts
are spent (``EDITING_MAX_ATTEMPTS``), failed with that reason."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from editing import events
from editing.choices import FINISHED, JobStatus
from editing.models import EditJob, TrainingRun
from editing.services.leases import lease_is_live
from editing.services.lifecycle import WORKER, finish
from studio.audit import audit_record
from studio.exceptions import Conflict
from studio.queues import enqueue

if TYPE_CHECKING:
    from studio.actors import Actor

# What each kind of run is called in the audit trail, the task that runs it, its MAM event.
RUN_KINDS = {
    EditJob: ("editing.job", "editing.gpu.run_edit_job", events.job_finished),
    TrainingRun: ("editing.training", "editing.gpu.run_training", events.training_finished),
}
SWEEP_BATCH = 100


def run_requeue(*, actor: Actor, run: EditJob | TrainingRun, now: datetime | None = None):
    """Queue a run whose worker is gone again, marked *orphaned*, under its row lock.

    Refused (``Conflict``) for a finished run and for one whose lease is live (its worker is still
    at it); nothing is written then.
    """
    now = now or timezone.now()
    prefix, task_name, _ = RUN_KINDS[type(run)]
    with transaction.atomic():
        run = (
            type(run)
            .objects.select_for_update(of=("self",))
            .select_related("production")
            .get(pk=run.pk)
        )
        if run.status in FINISHED:
            raise Conflict(f"{run} has finished; there is nothing to re-queue.")
        if lease_is_live(run, now):
            raise Conflict(f"{run} is running on {run.worker}; its lease is live.")
        _orphan(actor, run, prefix, task_name, now)
    return run


def _orphan(actor: Actor, run, prefix: str, task_name: str, now: datetime) -> None:
    expired_at = run.lease_expires_at
    run.status, run.orphaned_at, run.lease_expires_at = JobStatus.ORPHANED, now, None
    run.save(update_fields=["status", "orphaned_at", "lease_expires_at", "updated_at"])
    audit_record(
        actor=actor,
        action=f"{prefix}.orphaned",
        production=run.production,
        target=run,
        after={
            "worker": run.worker,
            "lease_expired_at": expired_at.isoformat() if expired_at else None,
            "attempts": run.attempts,
            "max_attempts": settings.EDITING_MAX_ATTEMPTS,
        },
    )
    enqueue(task_name, run.pk)


def give_up_reason(run) -> str:
    return (
        f"Its worker ({run.worker or 'unknown'}) stopped renewing its lease; given up after "
        f"{run.attempts} attempts (EDITING_MAX_ATTEMPTS={settings.EDITING_MAX_ATTEMPTS})."
    )


def leases_expire(*, now: datetime | None = None) -> Counter:
    """Find running runs whose lease ran out: queue each again as orphaned, or fail it once its
    attempts are spent. Rows another transaction holds are left for the next sweep."""
    now = now or timezone.now()
    outcomes: Counter = Counter()
    for model, (prefix, task_name, announce) in RUN_KINDS.items():
        with transaction.atomic():
            expired = (
                model.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=JobStatus.RUNNING, lease_expires_at__lte=now)
                .select_related("production")
                .order_by("lease_expires_at", "pk")[:SWEEP_BATCH]
            )
            for run in expired:
                if run.attempts >= settings.EDITING_MAX_ATTEMPTS:
                    finish(run, JobStatus.FAILED, prefix, give_up_reason(run), announce)
                    outcomes["failed"] += 1
                else:
                    _orphan(WORKER, run, prefix, task_name, now)
                    outcomes["requeued"] += 1
    return outcomes
