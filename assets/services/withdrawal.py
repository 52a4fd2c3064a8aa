"""Withdrawal: legal pulls outputs; downloads stop and MAMs are told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from assets import events
from assets.choices import AssetStatus
from assets.models import Asset
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.exceptions import UnavailableForLegalReasons

if TYPE_CHECKING:
    from studio.actors import Actor
from studio.scoping import require_production_access


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
    for asset in assets:
        require_production_access(actor, asset.production, ScopeAction.LEGAL)
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
    withdrawn = []
    with transaction.atomic():
        for asset in (
            Asset.objects.select_for_update().filter(pk__in=[a.pk for a in assets]).order_by("pk")
        ):
            if asset.status == AssetStatus.WITHDRAWN:
                continue
            before = {"status": asset.status, "status_reason": asset.status_reason}
            asset.status, asset.status_reason = AssetStatus.WITHDRAWN, f"withdrawn: {reason}"[:500]
            asset.save(update_fields=["status", "status_reason", "updated_at"])
            audit_record(
                actor=actor,
                action="assets.asset.withdrawn",
                production=asset.production,
                target=asset,
                before=before,
                after={
                    "status": asset.status,
                    "reason": reason,
                    "override_reason": override_reason,
                },
            )
            events.asset_withdrawn(asset, reason=reason)
            withdrawn.append(asset)
    return withdrawn


def asset_ensure_downloadable(asset: Asset) -> None:
    """A withdrawn asset's files are not handed out to anyone, whatever their role."""
    if asset.status == AssetStatus.WITHDRAWN:
        raise UnavailableForLegalReasons(
            f"Asset {asset.pk} was withdrawn and cannot be downloaded ({asset.status_reason})."
        )
