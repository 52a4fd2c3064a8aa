"""Withdrawal: legal pulls outputs; downloads stop and MAMs are told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets import events
from assets.choices import AssetStatus
from assets.models import Asset
from studio.audit import AuditEntry, audit_record_many
from studio.choices import ScopeAction
from studio.exceptions import UnavailableForLegalReasons

if TYPE_CHECKING:
    from studio.actors import Actor
from studio.scoping import require_productions_access


def asset_withdraw(
    *, actor: Actor, assets: list[Asset], reason: str, override_reason: str = ""
) -> list[Asset]:
    """Legal pulls outputs: downloads are refused from now on and MAMs are told.

    Withdrawing something that is not tainted is an exceptional decision: it needs an override reason.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the assets are withdrawn."})
    if not assets:
        raise ValidationError({"assets": "Name the assets to withdraw."})
    require_productions_access(actor, [asset.production for asset in assets], ScopeAction.LEGAL)
    clean = sorted(
        a.pk for a in assets if a.status not in (AssetStatus.TAINTED, AssetStatus.WITHDRAWN)
    )
    if clean and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": f"Assets {clean} are not tainted; withdrawing them needs an "
                "override reason."
            }
        )
    with transaction.atomic():
        locked = (
            Asset.objects.select_for_update(of=("self",))
            .select_related("production")
            .filter(pk__in=[a.pk for a in assets])
            .exclude(status=AssetStatus.WITHDRAWN)
            .order_by("pk")
        )
        withdrawn = list(locked)
        before = {a.pk: {"status": a.status, "status_reason": a.status_reason} for a in withdrawn}
        status_reason = f"withdrawn: {reason}"[:500]
        Asset.objects.filter(pk__in=before).update(
            status=AssetStatus.WITHDRAWN, status_reason=status_reason, updated_at=timezone.now()
        )
        after = {
            "status": AssetStatus.WITHDRAWN,
            "reason": reason,
            "override_reason": override_reason,
        }
        for asset in withdrawn:
            asset.status, asset.status_reason = AssetStatus.WITHDRAWN, status_reason
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry("assets.asset.withdrawn", a.production, a, before[a.pk], after)
                for a in withdrawn
            ],
        )
        events.assets_withdrawn(withdrawn, reason=reason)
    return withdrawn


def asset_ensure_downloadable(asset: Asset) -> None:
    """A withdrawn asset's files are not handed out to anyone, whatever their role."""
    if asset.status == AssetStatus.WITHDRAWN:
        raise UnavailableForLegalReasons(
            f"Asset {asset.pk} was withdrawn and cannot be downloaded ({asset.status_reason})."
        )
