"""What MAM systems hear about rights: payloads built where the change happens, emitted in its
transaction (``studio.events``)."""

from __future__ import annotations

from collections.abc import Iterable

from assets.models import Asset
from licensing.models import Consent, License, Revocation, TaintRun
from studio.events import Event, event_emit, listening_production_ids


def consent_revoked(consent: Consent, revocation: Revocation, productions: Iterable) -> None:
    data = {
        "consent": consent.pk,
        "person": {"id": consent.person_id, "name": consent.person.name},
        "scope": consent.scope,
        "revoked_at": revocation.revoked_at,
    }
    for production in productions:
        event_emit(Event.CONSENT_REVOKED, production=production, data=data)


def licenses_expiring(licenses: Iterable[License], *, days: int) -> None:
    """Licenses that end within ``days`` (or have just expired), one event each."""
    for lic in licenses:
        data = {
            "license": lic.pk,
            "reference": lic.reference,
            "title": lic.title,
            "status": lic.status,
            "ends_at": lic.ends_at,
            "within_days": days,
        }
        event_emit(Event.LICENSE_EXPIRING, production=lic.production, data=data)


def assets_tainted(run: TaintRun, asset_ids: list[int]) -> None:
    """One ``asset.tainted`` event per newly tainted asset, for productions that listen at all."""
    assets = Asset.objects.filter(
        pk__in=asset_ids, production_id__in=listening_production_ids()
    ).select_related("production")
    for asset in assets:
        data = {
            "asset": asset.pk,
            "sha256": asset.sha256,
            "cause": run.cause_label,
            "reason": run.reason,
        }
        event_emit(Event.ASSET_TAINTED, production=asset.production, data=data)
