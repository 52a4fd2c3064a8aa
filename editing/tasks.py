"""Editing tasks: GPU-queue tasks (named ``editing.gpu.*``, routed to the ``gpu`` queue) and the
lease sweep (``default``); ids in, one service call.

acks_late with reject_on_worker_lost: a worker child that dies mid-job leaves the message to be
delivered again, and the services make that second delivery finish the same job, never a second
one. A whole worker that dies leaves its lease to run out; the sweep queues the run again.
"""

from celery import shared_task
from django.conf import settings

from editing.services import edit_job_execute
from editing.services.leases import worker_id as _worker
from editing.services.orphans import leases_expire
from editing.services.training import training_run_execute


@shared_task(
    name="editing.gpu.run_edit_job",
    acks_late=True,
    outbox_started_by_task=True,  # marked with the claim (``editing.services.lifecycle.claim``)
    reject_on_worker_lost=True,
    soft_time_limit=settings.EDITING_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.EDITING_JOB_TIME_LIMIT,
)
def run_edit_job(job_id: int) -> None:
    edit_job_execute(job_id=job_id, worker=_worker())


@shared_task(
    name="editing.gpu.run_training",
    acks_late=True,
    outbox_started_by_task=True,  # marked with the claim (``editing.services.lifecycle.claim``)
    reject_on_worker_lost=True,
    soft_time_limit=settings.EDITING_JOB_SOFT_TIME_LIMIT,
    time_limit=settings.EDITING_JOB_TIME_LIMIT,
)
def run_training(run_id: int) -> None:
    training_run_execute(run_id=run_id, worker=_worker())


@shared_task(name="editing.expire_leases", soft_time_limit=60, time_limit=90)
def expire_leases() -> dict:
    """Queue again (or fail) the runs whose worker stopped renewing its lease (beat)."""
    return dict(leases_expire())
