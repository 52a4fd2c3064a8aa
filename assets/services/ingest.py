"""Ingest: stream, hash, dedupe, probe, read credentials, store by hash; derivatives; server-side paths."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assets import events, storage
from assets.choices import AssetOrigin, AssetStatus, C2paState
from assets.credentials import read_credentials
from assets.derivatives import build_derivatives
from assets.incoming import IncomingFile, spool_stream
from assets.models import Asset
from assets.probe import probe
from assets.sniff import sniff, supported_formats
from studio.actors import describe_actor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.locks import sole_runner
from studio.outbox import outbox_delivery_started
from studio.queues import enqueue

if TYPE_CHECKING:
    from studio.actors import Actor
    from studio.models import Production
from studio.scoping import require_production_access

log = logging.getLogger(__name__)


MAX_FILENAME = 255
DERIVATIVES_TASK = "assets.make_derivatives"


@dataclass(frozen=True)
class IngestResult:
    asset: Asset
    created: bool


def clean_filename(name: str) -> str:
    """The client's file name is kept as a label only, and must be a plain name."""
    if not name or not name.strip():
        raise ValidationError({"file": "The file has no name."})
    if len(name) > MAX_FILENAME:
        raise ValidationError({"file": f"The file name is longer than {MAX_FILENAME} characters."})
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError({"file": "The file name contains control characters."})
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(
            {"file": "The file name must not contain a path ('/', '\\\\' or '..')."}
        )
    return name


def _facts_for(incoming: IncomingFile, sidecar: bytes | None = None) -> tuple[dict, dict]:
    if incoming.size == 0:
        raise ValidationError({"file": "The file is empty."})
    sniffed = sniff(incoming.head)
    if sniffed is None:
        raise ValidationError(
            {"file": f"Unsupported file type (by content). Supported: {supported_formats()}."}
        )
    technical = probe(incoming.path, sniffed.kind, sniffed.mime_type, opener=incoming.open)
    credentials = read_credentials(incoming.path, sniffed.mime_type, manifest_data=sidecar)
    identity = {"kind": sniffed.kind, "mime_type": sniffed.mime_type}
    return identity | technical, {
        "c2pa_state": credentials.state,
        "c2pa_active_manifest": credentials.active_manifest[:200],
        "c2pa_manifest": credentials.manifest,
        "c2pa_failure_codes": credentials.failure_codes,
    }


def _duplicate(actor: Actor, asset: Asset, filename: str) -> IngestResult:
    audit_record(
        actor=actor,
        action="assets.asset.ingest_duplicate",
        production=asset.production,
        target=asset,
        after={"filename": filename, "sha256": asset.sha256},
    )
    return IngestResult(asset, created=False)


def _create(actor, production, incoming, filename, origin, facts, credentials, key) -> Asset:
    quarantined = credentials["c2pa_state"] == C2paState.INVALID
    asset = Asset.objects.create(
        production=production,
        sha256=incoming.sha256,
        size=incoming.size,
        storage_key=key,
        original_filename=filename,
        origin=origin,
        status=AssetStatus.QUARANTINED if quarantined else AssetStatus.ACTIVE,
        status_reason=(
            "Content Credentials are invalid: " + ", ".join(credentials["c2pa_failure_codes"])
            if quarantined
            else ""
        ),
        ingested_by=describe_actor(actor).actor_name,
        **facts,
        **credentials,
    )
    audit_record(
        actor=actor,
        action="assets.asset.ingested",
        production=production,
        target=asset,
        after={
            "sha256": asset.sha256,
            "size": asset.size,
            "kind": asset.kind,
            "mime_type": asset.mime_type,
            "origin": origin,
            "status": asset.status,
            "c2pa_state": asset.c2pa_state,
            "filename": filename,
        },
    )
    enqueue(DERIVATIVES_TASK, asset.pk)
    events.asset_ingested(asset)
    return asset


def asset_ingest(
    *,
    actor: Actor,
    production: Production,
    source: IncomingFile | BinaryIO | Path,
    filename: str,
    origin: str = AssetOrigin.DAILIES,
    sidecar: Path | None = None,
) -> IngestResult:
    """Stream, hash, dedupe, probe, read credentials, store by hash and record one asset.

    Bad input leaves nothing behind: no row, no stored file, no spool file.
    """
    require_production_access(actor, production, ScopeAction.CHANGE)
    filename = clean_filename(filename)
    if origin not in AssetOrigin.values:
        raise ValidationError(
            {"origin": f"Unknown origin {origin!r}; use one of {', '.join(AssetOrigin.values)}."}
        )
    incoming = _spool(source)
    written_key = None
    try:
        existing = Asset.objects.filter(production=production, sha256=incoming.sha256).first()
        if existing is not None:
            incoming.discard()
            with transaction.atomic():
                return _duplicate(actor, existing, filename)
        manifest_data = sidecar.read_bytes() if sidecar is not None else None
        facts, credentials = _facts_for(incoming, manifest_data)
        incoming.release()  # the probe has read what the spool held in memory
        key, wrote = storage.place(incoming, storage.content_key(incoming.sha256))
        written_key = key if wrote else None
        if manifest_data is not None:
            credentials["c2pa_sidecar_key"] = storage.place_bytes(manifest_data, f"{key}.c2pa")
        try:
            with transaction.atomic():
                asset = _create(
                    actor, production, incoming, filename, origin, facts, credentials, key
                )
        except IntegrityError:
            existing = Asset.objects.filter(production=production, sha256=incoming.sha256).first()
            if existing is None:
                raise
            written_key = None  # the other ingest's row now owns the stored file
            with transaction.atomic():
                return _duplicate(actor, existing, filename)
        return IngestResult(asset, created=True)
    except BaseException:
        incoming.discard()
        if written_key and not Asset.objects.filter(storage_key=written_key).exists():
            storage.remove(written_key)
            storage.remove(f"{written_key}.c2pa")
        raise


def _spool(source: IncomingFile | BinaryIO | Path) -> IncomingFile:
    if isinstance(source, IncomingFile):
        return source
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return spool_stream(handle, expected_size=_sequential_file_size(handle))
    return spool_stream(source, expected_size=_sequential_file_size(source))


def _sequential_file_size(source) -> int | None:
    """The size of the regular file a stream reads (None for a socket, a pipe or memory), read
    ahead sequentially: camera cards and network mounts."""
    try:
        fd = source.fileno()
        status = os.fstat(fd)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    if hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
    return status.st_size


def asset_make_derivatives(*, asset_id: int) -> Asset | None:
    """Build the thumbnail and proxy once; a redelivered task finds them and does nothing.

    One worker builds an asset's at a time (a copy delivered meanwhile is dropped). The outbox
    message counts as started once the keys are recorded, or the file is found to have none to
    give, so a build that fails on the way (the database lost) is sent again."""
    with sole_runner("assets.derivatives", asset_id) as mine:
        if not mine:
            log.info("Derivatives for asset %s are being built elsewhere.", asset_id)
            return Asset.objects.filter(pk=asset_id).first()
        return _make_derivatives(asset_id)


def _make_derivatives(asset_id: int) -> Asset | None:
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or (asset.thumbnail_key and asset.proxy_key):
        outbox_delivery_started()
        return asset
    try:
        keys = build_derivatives(asset)
    except (OSError, ValueError) as exc:  # the file decodes no further: nothing to retry
        log.warning("Derivatives for asset %s failed: %s", asset_id, exc)
        outbox_delivery_started()
        return asset
    with transaction.atomic():
        Asset.objects.filter(pk=asset_id).update(**keys)
        outbox_delivery_started()
    asset.thumbnail_key, asset.proxy_key = keys["thumbnail_key"], keys["proxy_key"]
    return asset


def server_paths_expand(paths: list[Path]) -> list[Path]:
    """Files to ingest from the server's disks: only below ASSET_INGEST_ROOTS, links resolved first.

    A folder is walked recursively; a symlink that leads outside the roots is refused like any
    other path outside them.
    """
    roots = settings.ASSET_INGEST_ROOTS
    if not roots:
        raise ValidationError(
            "Server-side ingest is off: set ASSET_INGEST_ROOTS to the allowed folders."
        )
    files: list[Path] = []
    for given in paths:
        for candidate in sorted(given.rglob("*")) if given.is_dir() else [given]:
            real = candidate.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                raise ValidationError(
                    f"{candidate} is outside the allowed ingest folders ({', '.join(map(str, roots))})."
                )
            if real.is_file():
                files.append(real)
            elif not real.exists():
                raise ValidationError(f"{candidate} does not exist.")
    return files
