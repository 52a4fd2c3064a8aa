"""What MAM systems hear about footage: payloads built where the change happens, emitted in its
transaction (``studio.events``)."""

from __future__ import annotations

from assets.models import Asset
from studio.events import Event, event_emit, event_emit_many


def asset_ingested(asset: Asset) -> None:
    """A newly recorded asset (not sent when an upload matched an existing one)."""
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
    event_emit(Event.ASSET_INGESTED, production=asset.production, data=data)


def _withdrawn_data(asset: Asset, reason: str) -> dict:
    return {"asset": asset.pk, "sha256": asset.sha256, "reason": reason}


def asset_withdrawn(asset: Asset, *, reason: str) -> None:
    event_emit(
        Event.ASSET_WITHDRAWN, production=asset.production, data=_withdrawn_data(asset, reason)
    )


def assets_withdrawn(assets: list[Asset], *, reason: str) -> None:
    """``asset_withdrawn`` for each asset, their productions' subscriptions read once."""
    items = [(asset.production, _withdrawn_data(asset, reason)) for asset in assets]
    event_emit_many(Event.ASSET_WITHDRAWN, items)
