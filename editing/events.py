"""What MAM systems hear about edits and trainings: payloads built where a run finishes, emitted in
its transaction (``studio.events``)."""

from __future__ import annotations

from editing.choices import JobStatus
from editing.models import Adapter, EditJob, TrainingRun
from studio.events import Event, event_emit

JOB_EVENTS = {
    JobStatus.SUCCEEDED: Event.JOB_SUCCEEDED,
    JobStatus.FAILED: Event.JOB_FAILED,
    JobStatus.DENIED: Event.JOB_DENIED,
}


def job_finished(job: EditJob) -> None:
    """Succeeded, failed or denied; a cancelled job is not announced (whoever cancelled it knows)."""
    event = JOB_EVENTS.get(job.status)
    if event is None:
        return
    data = {
        "job": job.pk,
        "operation": job.operation,
        "status": job.status,
        "output_asset": job.output_id,
        "error": job.error if job.status == JobStatus.FAILED else "",
        "reasons": job.error.splitlines() if job.status == JobStatus.DENIED else [],
    }
    event_emit(event, production=job.production, data=data)


def training_finished(run: TrainingRun) -> None:
    if run.status != JobStatus.SUCCEEDED:
        return
    data = {
        "training_run": run.pk,
        "name": run.name,
        "status": run.status,
        "adapter": Adapter.objects.filter(training_run=run).values_list("pk", flat=True).first(),
    }
    event_emit(Event.TRAINING_SUCCEEDED, production=run.production, data=data)
