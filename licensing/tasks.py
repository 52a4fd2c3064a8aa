"""Licensing Celery tasks (default queue)."""

from celery import shared_task

from licensing.services.expiry import rights_expiry_sweep


@shared_task(name="licensing.expiry_sweep", acks_late=True)
def expiry_sweep() -> dict:
    report = rights_expiry_sweep()
    return {
        "expired_licenses": len(report.expired_licenses),
        "expiring_licenses": len(report.expiring_licenses),
        "expiring_consents": len(report.expiring_consents),
        "emails_sent": report.emails_sent,
    }
