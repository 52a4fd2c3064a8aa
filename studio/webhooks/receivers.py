"""Other apps' after-commit signals, turned into webhook events. Connected in StudioConfig.ready().

The senders have already committed when these run, so a failure here is logged rather than raised:
it must not turn a committed ingest or revocation into an error for the person who asked for it.
"""

from __future__ import annotations

import functools
import logging

from django.dispatch import receiver

from assets.signals import asset_ingested
from editing.choices import JobStatus
from editing.signals import job_finished, training_finished
from licensing.signals import consent_revoked, rights_expiring
from studio.webhooks.choices import WebhookEvent
from studio.webhooks.services import webhook_emit

log = logging.getLogger(__name__)

JOB_EVENTS = {
    JobStatus.SUCCEEDED: WebhookEvent.JOB_SUCCEEDED,
    JobStatus.FAILED: WebhookEvent.JOB_FAILED,
    JobStatus.DENIED: WebhookEvent.JOB_DENIED,
}


def _logged(handler):
    @functools.wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            handler(*args, **kwargs)
        except Exception:
            log.exception("Webhook events for %s were not recorded", handler.__name__)

    return wrapper


@receiver(asset_ingested, dispatch_uid="studio.webhooks.asset_ingested")
@_logged
def on_asset_ingested(sender, *, asset, **kwargs) -> None:
    data = {
        "asset": asset.pk,
        "sha256": asset.sha256,
        "kind": asset.kind,
        "mime_type": asset.mime_type,
        "size": asset.size,
        "original_filename": asset.original_filename,
        "origin": asset.origin,
        "status": asset.status,
        "c2pa_state": asset.c2pa_state,
    }
    webhook_emit(event_type=WebhookEvent.ASSET_INGESTED, production=asset.production, data=data)


@receiver(consent_revoked, dispatch_uid="studio.webhooks.consent_revoked")
@_logged
def on_consent_revoked(sender, *, consent, revocation, **kwargs) -> None:
    data = {
        "consent": consent.pk,
        "person": {"id": consent.person_id, "name": consent.person.name},
        "scope": consent.scope,
        "revoked_at": revocation.revoked_at,
    }
    for production in consent.productions.all():
        webhook_emit(event_type=WebhookEvent.CONSENT_REVOKED, production=production, data=data)


@receiver(rights_expiring, dispatch_uid="studio.webhooks.rights_expiring")
@_logged
def on_rights_expiring(sender, *, licenses, days, **kwargs) -> None:
    for lic in licenses:
        data = {
            "license": lic.pk,
            "reference": lic.reference,
            "title": lic.title,
            "status": lic.status,
            "ends_at": lic.ends_at,
            "within_days": days,
        }
        webhook_emit(event_type=WebhookEvent.LICENSE_EXPIRING, production=lic.production, data=data)


@receiver(job_finished, dispatch_uid="studio.webhooks.job_finished")
@_logged
def on_job_finished(sender, *, job, **kwargs) -> None:
    event_type = JOB_EVENTS.get(job.status)
    if event_type is None:
        return  # cancelled: the one who cancelled it knows
    data = {
        "job": job.pk,
        "operation": job.operation,
        "status": job.status,
        "output_asset": job.output_id,
        "error": job.error if job.status == JobStatus.FAILED else "",
        "reasons": job.error.splitlines() if job.status == JobStatus.DENIED else [],
    }
    webhook_emit(event_type=event_type, production=job.production, data=data)


@receiver(training_finished, dispatch_uid="studio.webhooks.training_finished")
@_logged
def on_training_finished(sender, *, run, **kwargs) -> None:
    if run.status != JobStatus.SUCCEEDED:
        return
    from editing.models import Adapter

    data = {
        "training_run": run.pk,
        "name": run.name,
        "status": run.status,
        "adapter": Adapter.objects.filter(training_run=run).values_list("pk", flat=True).first(),
    }
    webhook_emit(event_type=WebhookEvent.TRAINING_SUCCEEDED, production=run.production, data=data)
