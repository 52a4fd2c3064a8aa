"""Content-addressed storage through Django's storage API (local files, or S3 via django-storages).

Originals live at ``originals/ab/cd/<sha256>``: the same bytes are stored once, whichever
production ingests them. Derived files (thumbnails, proxies) live under ``derived/<sha256>/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from assets.incoming import IncomingFile


def content_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def derived_key(sha256: str, name: str) -> str:
    return f"derived/{sha256[:2]}/{sha256}/{name}"


def local_path(key: str) -> Path | None:
    """The file's path when storage is a local filesystem, else None (object storage)."""
    try:
        return Path(default_storage.path(key))
    except NotImplementedError:
        return None


def place(incoming: IncomingFile, key: str) -> tuple[str, bool]:
    """Move a spooled file to its content key; returns the key and whether this call wrote it.

    Locally this is a rename (the spool sits beside the media root); on object storage the spool is
    streamed up in chunks. Either way the spool file is gone afterwards.
    """
    if default_storage.exists(key):
        incoming.discard()
        return key, False
    target = local_path(key)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(incoming.path, target)
        except OSError:
            shutil.move(incoming.path, target)
        target.chmod(0o640)
        _sync_directory(target.parent)
        return key, True
    try:
        with incoming.path.open("rb") as handle:
            stored = default_storage.save(key, File(handle, name=key))
    finally:
        incoming.discard()
    return stored, True


def _sync_directory(folder: Path) -> None:
    """Make a rename into ``folder`` durable: the spool was synced, now its new name is."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def place_bytes(data: bytes, key: str) -> str:
    """Store a small file (a sidecar manifest) at ``key``, replacing what was there."""
    if default_storage.exists(key):
        default_storage.delete(key)
    return default_storage.save(key, ContentFile(data))


def remove(key: str) -> None:
    if key and default_storage.exists(key):
        default_storage.delete(key)


class LocalCopy:
    """A stored file as a local path for libraries that need one (PyAV, c2pa): the file itself on
    local storage, a temporary download from object storage (removed on exit)."""

    def __init__(self, key: str):
        self.key = key
        self._temp: Path | None = None

    def __enter__(self) -> Path:
        path = local_path(self.key)
        if path is not None:
            return path
        fd, name = tempfile.mkstemp(prefix="copy-", dir=settings.ASSET_SPOOL_DIR)
        self._temp = Path(name)
        with os.fdopen(fd, "wb") as out, default_storage.open(self.key, "rb") as src:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return self._temp

    def __exit__(self, *exc) -> None:
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
