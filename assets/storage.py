"""Content-addressed storage through Django's storage API (local files, or S3 via django-storages).

Originals live at ``originals/ab/cd/<sha256>``: the same bytes are stored once, whichever
production ingests them. Derived files (thumbnails, proxies) live under ``derived/<sha256>/``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.core.files import File
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
        return key, True
    try:
        with incoming.path.open("rb") as handle:
            stored = default_storage.save(key, File(handle, name=key))
    finally:
        incoming.discard()
    return stored, True


def remove(key: str) -> None:
    if key and default_storage.exists(key):
        default_storage.delete(key)
