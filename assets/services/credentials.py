"""Content Credentials of stored assets and uploads, and stamping outputs made from them."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from assets import storage
from assets.credentials import read_credentials
from assets.credentials.manifest import Ingredient
from assets.credentials.stamp import stamp
from assets.models import Asset
from assets.sniff import sniff, supported_formats


def asset_credentials(*, asset: Asset):
    """Verify the stored file's Content Credentials now (trust lists change; stored state may be old)."""
    manifest_data = None
    if asset.c2pa_sidecar_key:
        with default_storage.open(asset.c2pa_sidecar_key, "rb") as handle:
            manifest_data = handle.read()
    with storage.LocalCopy(asset.storage_key) as path:
        return read_credentials(path, asset.mime_type, manifest_data=manifest_data)


def credentials_verify_upload(*, path: Path, size: int, sidecar: bytes | None = None):
    """Verify any file's credentials; nothing is stored. Unsupported or empty files are refused."""
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    with path.open("rb") as handle:
        head = handle.read(64)
    sniffed = sniff(head)
    if sniffed is None:
        raise ValidationError(
            {"file": f"Unsupported file type (by content). Supported: {supported_formats()}."}
        )
    return sniffed, read_credentials(path, sniffed.mime_type, manifest_data=sidecar)


def output_stamp(
    *, source: Path, target: Path, mime_type: str, facts, inputs: list[tuple[Asset, str]]
):
    """Stamp an output made from stored assets (each with its relationship: parentOf, componentOf).

    The inputs' own credentials (embedded or sidecar) travel with them as ingredients.
    """
    with ExitStack() as stack:
        ingredients = []
        for asset, relationship in inputs:
            path = stack.enter_context(storage.LocalCopy(asset.storage_key))
            manifest_data = None
            if asset.c2pa_sidecar_key:
                with default_storage.open(asset.c2pa_sidecar_key, "rb") as handle:
                    manifest_data = handle.read()
            ingredients.append(
                Ingredient(
                    title=asset.original_filename,
                    mime_type=asset.mime_type,
                    path=str(path),
                    relationship=relationship,
                    asset_id=asset.pk,
                    sha256=asset.sha256,
                    manifest_data=manifest_data,
                )
            )
        return stamp(
            source=source, target=target, mime_type=mime_type, facts=facts, ingredients=ingredients
        )
