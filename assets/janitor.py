"""Leftovers: what a killed upload, ingest or render leaves behind, found and removed.

Two sweeps:

- ``spool_clean`` removes what lies in the spool folder (ingest spools, upload temporary files, render
  and training folders) once it is older than ``SPOOL_GRACE_SECONDS`` and no live job owns it. A
  live upload or render writes as it goes, so its newest modification time stays fresh; a render or
  training folder is named after its run (``job-<pk>-…``, ``training-<pk>-…``) and is kept while
  that run is ``running`` and its row was saved within the grace period.
- ``storage_orphans`` walks ``originals/``, ``derived/`` and ``adapters/`` in storage through
  Django's storage API (so S3 too) and yields the objects no row references, past a grace period.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from studio.actors import SystemActor
from studio.audit import audit_record

log = logging.getLogger(__name__)
JANITOR = SystemActor("assets.janitor")

# Render and training folders carry the run that owns them in their name. The runs live on the
# editing floor, above this one, so they are looked up by name rather than imported.
SPOOL_OWNERS = {"job": ("editing", "EditJob"), "training": ("editing", "TrainingRun")}
OWNED_NAME = re.compile(r"^(?P<kind>[a-z]+)-(?P<pk>\d+)-")
RUNNING = "running"
# Outside the spool, only what Django's upload handler names (tmpXXXX.upload.ext) is ours.
UPLOAD_NAME = re.compile(r"^tmp[^/]*\.upload(\.[^/]*)?$")

STORAGE_PREFIXES = ("originals", "derived", "adapters")
LOOKUP_BATCH = 500


class SpoolUnsafe(ImproperlyConfigured):
    """The spool setting points somewhere a sweep must never run."""


@dataclass(frozen=True)
class Leftover:
    path: Path
    size: int
    age_seconds: float


@dataclass
class SpoolReport:
    folders: list[Path]
    dry_run: bool
    grace_seconds: int
    removed: list[Leftover] = field(default_factory=list)
    kept_owned: list[Path] = field(default_factory=list)
    kept_fresh: int = 0

    @property
    def bytes_removed(self) -> int:
        return sum(item.size for item in self.removed)


def safe_spool_dir() -> Path:
    """The spool folder, resolved; refused when a sweep there could reach stored media or more."""
    spool = Path(settings.ASSET_SPOOL_DIR).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    if spool == Path(spool.anchor) or spool == Path.home().resolve():
        raise SpoolUnsafe(f"ASSET_SPOOL_DIR={spool} is a root folder; refusing to sweep it.")
    if media.is_relative_to(spool):
        raise SpoolUnsafe(
            f"ASSET_SPOOL_DIR={spool} is the media root or holds it ({media}); refusing to sweep it."
        )
    return spool


def _upload_dir(spool: Path) -> Path | None:
    """Django's upload folder when it is not the spool (it usually is); only its uploads are swept."""
    configured = settings.FILE_UPLOAD_TEMP_DIR
    if not configured:
        return None
    folder = Path(configured).resolve()
    return None if folder == spool else folder


def _measure(entry: os.DirEntry) -> tuple[int, float]:
    """Size and newest modification time of an entry; a folder is walked without following links."""
    info = entry.stat(follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode):
        return info.st_size, info.st_mtime
    size, newest = 0, info.st_mtime
    for root, dirs, files in os.walk(entry.path, followlinks=False):
        for name in dirs + files:
            try:
                inner = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            newest = max(newest, inner.st_mtime)
            size += inner.st_size if not stat.S_ISDIR(inner.st_mode) else 0
    return size, newest


def _live_owners(names: list[str], fresh_after: datetime) -> set[str]:
    """The folder names whose run is running with a fresh row: a worker still holds them."""
    wanted: dict[str, dict[int, str]] = {}
    for name in names:
        match = OWNED_NAME.match(name)
        if match and match["kind"] in SPOOL_OWNERS:
            wanted.setdefault(match["kind"], {})[int(match["pk"])] = name
    live = set()
    for kind, by_pk in wanted.items():
        model = apps.get_model(*SPOOL_OWNERS[kind])
        running = model.objects.filter(
            pk__in=by_pk, status=RUNNING, updated_at__gte=fresh_after
        ).values_list("pk", flat=True)
        live |= {by_pk[pk] for pk in running}
    return live


def _remove(path: Path, is_dir: bool) -> None:
    # A link is removed as a link; rmtree never follows links (it refuses a link at its top).
    if is_dir:
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _sweep(folder: Path, report: SpoolReport, now: datetime, only: re.Pattern | None) -> None:
    cutoff = now.timestamp() - report.grace_seconds
    old: list[tuple[os.DirEntry, int, float]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if only is not None and not (
                only.match(entry.name) and entry.is_file(follow_symlinks=False)
            ):
                continue
            try:
                size, newest = _measure(entry)
            except FileNotFoundError:
                continue  # finished and removed by its owner while we looked
            if newest > cutoff:
                report.kept_fresh += 1
            else:
                old.append((entry, size, newest))
    owned = _live_owners([e.name for e, _, _ in old], now - timedelta(seconds=report.grace_seconds))
    for entry, size, newest in old:
        path = folder / entry.name
        if entry.name in owned:
            report.kept_owned.append(path)
            continue
        leftover = Leftover(path, size, now.timestamp() - newest)
        is_dir = entry.is_dir(follow_symlinks=False)
        if not report.dry_run:
            try:
                _remove(path, is_dir)
            except FileNotFoundError:
                continue
        log.info(
            "%s spool leftover %s (%d bytes, %d s old)",
            "Would remove" if report.dry_run else "Removed",
            path,
            size,
            leftover.age_seconds,
        )
        report.removed.append(leftover)


def spool_clean(
    *, now: datetime | None = None, grace: int | None = None, dry_run: bool = False
) -> SpoolReport:
    """Remove spool files and folders older than the grace period that no live run owns."""
    now = now or timezone.now()
    grace = settings.SPOOL_GRACE_SECONDS if grace is None else grace
    if grace < 0:
        raise ValueError("The grace period cannot be negative.")
    spool = safe_spool_dir()
    uploads = _upload_dir(spool)
    folders = [spool] + ([uploads] if uploads is not None and uploads.is_dir() else [])
    report = SpoolReport(folders=folders, dry_run=dry_run, grace_seconds=grace)
    if spool.is_dir():
        _sweep(spool, report, now, None)
    if uploads is not None and uploads.is_dir():
        _sweep(uploads, report, now, UPLOAD_NAME)
    if report.removed and not dry_run:
        with transaction.atomic():
            audit_record(
                actor=JANITOR,
                action="assets.spool.cleaned",
                after={
                    "removed": len(report.removed),
                    "bytes": report.bytes_removed,
                    "kept_owned": len(report.kept_owned),
                    "grace_seconds": grace,
                },
            )
    return report


# --- Storage orphans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Orphan:
    key: str
    size: int
    modified: datetime


def storage_keys(prefix: str) -> Iterator[str]:
    """Every object key below ``prefix``, one folder listing in memory at a time."""
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}/{name}"
    for name in sorted(dirs):
        yield from storage_keys(f"{prefix}/{name}")


def referenced_keys(keys: list[str]) -> set[str]:
    """Those of ``keys`` some row points at: an asset's original, sidecar or derivative, an
    adapter's weights (adapters live on the editing floor, looked up by name)."""
    found: set[str] = set()
    for column in ("storage_key", "c2pa_sidecar_key", "thumbnail_key", "proxy_key"):
        found |= set(Asset.objects.filter(**{f"{column}__in": keys}).values_list(column, flat=True))
    adapter = apps.get_model("editing", "Adapter")
    found |= set(adapter.objects.filter(weights_key__in=keys).values_list("weights_key", flat=True))
    return found


def _batches(keys: Iterator[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == LOOKUP_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def storage_orphans(
    *, now: datetime | None = None, grace_days: int | None = None
) -> Iterator[Orphan]:
    """Stored objects no row references, last written before the grace period began."""
    now = now or timezone.now()
    days = settings.STORAGE_ORPHAN_GRACE_DAYS if grace_days is None else grace_days
    cutoff = now - timedelta(days=days)
    for prefix in STORAGE_PREFIXES:
        for batch in _batches(storage_keys(prefix)):
            known = referenced_keys(batch)
            for key in batch:
                if key in known:
                    continue
                modified = default_storage.get_modified_time(key)
                if modified <= cutoff:
                    yield Orphan(key, default_storage.size(key), modified)


def storage_orphan_delete(*, orphan: Orphan) -> bool:
    """Delete one orphan unless a row has come to reference it since it was listed (an ingest of
    the same bytes adopts an object already in place); returns whether it was deleted."""
    if referenced_keys([orphan.key]):
        return False
    default_storage.delete(orphan.key)
    log.info("Removed storage orphan %s (%d bytes)", orphan.key, orphan.size)
    return True


def storage_orphans_audit(*, removed: int, total_bytes: int, grace_days: int) -> None:
    with transaction.atomic():
        audit_record(
            actor=JANITOR,
            action="assets.storage.orphans_removed",
            after={"removed": removed, "bytes": total_bytes, "grace_days": grace_days},
        )
