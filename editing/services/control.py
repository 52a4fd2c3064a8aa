"""Cancelling and recalling edits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from editing.choices import FINISHED, JobStatus
from editing.models import EditJob
from editing.services.submit import edit_job_submit
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.scoping import require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor


def edit_job_cancel(*, actor: Actor, job: EditJob) -> EditJob:
    """A queued (or orphaned) job is cancelled at once; a running one stops at its next step."""
    require_production_access(actor, job.production, ScopeAction.CHANGE)
    with transaction.atomic():
        job = EditJob.objects.select_for_update().get(pk=job.pk)
        if job.status in FINISHED:
            raise Conflict(f"Edit #{job.pk} has already {job.status}.")
        job.cancel_requested = True
        if job.status in (JobStatus.PENDING, JobStatus.QUEUED, JobStatus.ORPHANED):
            job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
        job.save(update_fields=["cancel_requested", "status", "finished_at", "updated_at"])
        audit_record(
            actor=actor,
            action="editing.job.cancel_requested",
            production=job.production,
            target=job,
            after={"status": job.status},
        )
    return job


def edit_job_recall(*, actor: Actor, job: EditJob) -> EditJob:
    """Run a finished job again with the same inputs and parameters: a new job, a new gate decision."""
    if job.status not in FINISHED:
        raise Conflict(f"Edit #{job.pk} has not finished; cancel it or wait.")
    return edit_job_submit(
        actor=actor,
        production=job.production,
        operation=job.operation,
        inputs=list(job.inputs.all()),
        territory=job.territory,
        media=job.media,
        language=job.language,
        mask=job.mask,
        mask_polygons=job.mask_polygons or None,
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        parameters=dict(job.parameters),
        seed=job.seed,
        model_version=job.model_version,
        adapters=[
            (link.adapter, link.weight) for link in job.editjobadapter_set.select_related("adapter")
        ],
        recalled_from=job,
    )
