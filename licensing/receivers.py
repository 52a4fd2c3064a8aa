"""Taint follows rights: a license that stops granting, or a consent withdrawn, starts a propagation;
a license back in force lifts the taint it caused. Connected in LicensingConfig.ready()."""

from django.dispatch import receiver

from licensing.choices import LicenseStatus
from licensing.models import License, TaintCause
from licensing.signals import consent_revoked, license_status_changed
from studio.actors import SystemActor

ENDED = {LicenseStatus.SUSPENDED, LicenseStatus.TERMINATED, LicenseStatus.EXPIRED}
ACTOR = SystemActor("licensing.taint")


@receiver(license_status_changed, sender=License, dispatch_uid="taint-on-license-status")
def on_license_status(sender, license, before, **kwargs):
    from licensing.services.taint import taint_lift, taint_propagate

    if license.status in ENDED and before == LicenseStatus.ACTIVE:
        taint_propagate(
            actor=ACTOR,
            cause_type=TaintCause.LICENSE,
            cause_id=license.pk,
            reason=f"license {license.reference} {license.status}",
        )
    elif license.status == LicenseStatus.ACTIVE and before in ENDED:
        taint_lift(
            actor=ACTOR,
            cause_type=TaintCause.LICENSE,
            cause_id=license.pk,
            reason=f"license {license.reference} reinstated",
        )


@receiver(consent_revoked, dispatch_uid="taint-on-consent-revoked")
def on_consent_revoked(sender, consent, revocation, **kwargs):
    from licensing.services.taint import taint_propagate

    taint_propagate(
        actor=ACTOR,
        cause_type=TaintCause.CONSENT,
        cause_id=consent.pk,
        reason=f"revoked on {revocation.revoked_at:%Y-%m-%d}: {revocation.reason}",
    )
