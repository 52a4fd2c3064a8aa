"""The daily expiry sweep: what expires soon, what has just expired, and who must hear of it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from licensing import events
from licensing.choices import LicenseStatus
from licensing.models import Consent, License, TaintCause, TaintRun
from licensing.services.licenses import license_expire_due
from licensing.services.taint import taint_propagate
from studio.actors import SystemActor
from studio.choices import Role

SWEEPER = SystemActor("licensing.expiry-sweep")


@dataclass
class SweepReport:
    expiring_licenses: list[License] = field(default_factory=list)
    expiring_consents: list[Consent] = field(default_factory=list)
    expired_licenses: list[License] = field(default_factory=list)
    expired_consents: list[Consent] = field(default_factory=list)
    emails_sent: int = 0


def expiring_licenses(*, now: dt.datetime, days: int):
    return License.objects.filter(
        status=LicenseStatus.ACTIVE, ends_at__gt=now, ends_at__lte=now + dt.timedelta(days=days)
    ).select_related("production")


def expiring_consents(*, now: dt.datetime, days: int):
    return (
        Consent.objects.filter(
            revocation__isnull=True,
            valid_until__gt=now,
            valid_until__lte=now + dt.timedelta(days=days),
        )
        .select_related("person")
        .prefetch_related("productions")
    )


def rights_expiry_sweep(*, now: dt.datetime | None = None, days: int | None = None) -> SweepReport:
    """Expire what has ended, then tell each production's legal staff what ends within ``days``."""
    now = now or timezone.now()
    days = settings.RIGHTS_EXPIRY_WARNING_DAYS if days is None else days
    report = SweepReport(
        expired_licenses=license_expire_due(actor=SWEEPER, now=now),
        expiring_licenses=list(expiring_licenses(now=now, days=days)),
        expiring_consents=list(expiring_consents(now=now, days=days)),
        expired_consents=list(
            Consent.objects.filter(
                revocation__isnull=True,
                valid_until__gt=now - dt.timedelta(days=1),
                valid_until__lte=now,
            )
            .select_related("person")
            .prefetch_related("productions")
        ),
    )
    with transaction.atomic():
        _taint_expired_consents(report.expired_consents)
        report.emails_sent = _notify_legal(report, days)
        events.licenses_expiring(report.expiring_licenses + report.expired_licenses, days=days)
    return report


def _taint_expired_consents(consents) -> None:
    """Each consent that has just expired starts its taint once (a second sweep the same day finds
    the run already recorded)."""
    started = set(
        TaintRun.objects.filter(
            cause_type=TaintCause.CONSENT, cause_id__in=[c.pk for c in consents]
        ).values_list("cause_id", flat=True)
    )
    for consent in consents:
        if consent.pk in started:
            continue
        taint_propagate(
            actor=SWEEPER,
            cause_type=TaintCause.CONSENT,
            cause_id=consent.pk,
            reason=f"expired on {consent.valid_until:%Y-%m-%d}",
        )


def _lines_by_production(report: SweepReport) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = defaultdict(list)
    for lic in report.expired_licenses:
        lines[lic.production_id].append(
            f"EXPIRED  license {lic.reference} ({lic.title}) on {lic.ends_at:%Y-%m-%d}"
        )
    for lic in report.expiring_licenses:
        lines[lic.production_id].append(
            f"expiring license {lic.reference} ({lic.title}) on {lic.ends_at:%Y-%m-%d}"
        )
    for consent, verb in [(c, "EXPIRED ") for c in report.expired_consents] + [
        (c, "expiring") for c in report.expiring_consents
    ]:
        for production in consent.productions.all():
            ends = f"{consent.valid_until:%Y-%m-%d}"
            lines[production.pk].append(
                f"{verb} consent of {consent.person.name} for {consent.scope} on {ends}"
            )
    return lines


def _notify_legal(report: SweepReport, days: int) -> int:
    """One email per production to its legal staff, sent once the sweep's changes are committed."""
    sent = 0
    users = get_user_model().objects.filter(is_active=True)
    for production_id, lines in _lines_by_production(report).items():
        legal = users.filter(memberships__role=Role.LEGAL, memberships__production_id=production_id)
        recipients = sorted({u.email for u in legal if u.email})
        if not recipients:
            continue
        message = "\n".join(sorted(lines))
        transaction.on_commit(
            lambda message=message, recipients=recipients: send_mail(
                subject=f"[Clearcut] Rights expiring within {days} days",
                message=message,
                from_email=None,
                recipient_list=recipients,
            )
        )
        sent += 1
    return sent
