"""Licensing Celery tasks (default queue)."""

from celery import shared_task

from licensing.services.expiry import rights_expiry_sweep
from licensing.services.taint import taint_run_execute


@shared_task(name="licensing.expiry_sweep", acks_late=True)
def expiry_sweep() -> dict:
    report = rights_expiry_sweep()
    return {
        "expired_licenses": len(report.expired_licenses),
        "expiring_licenses": len(report.expiring_licenses),
        "expiring_consents": len(report.expiring_consents),
        "emails_sent": report.emails_sent,
    }


@shared_task(
    name="licensing.propagate_taint",
    acks_late=True,
    reject_on_worker_lost=True,
    outbox_started_by_task=True,  # marked with the run's end (``taint_run_execute``)
)
def propagate_taint(run_id: int) -> None:
    taint_run_execute(run_id=run_id)
