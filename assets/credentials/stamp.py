"""Stamp an output with Content Credentials: embedded where the format allows, else a sidecar.

JPEG and PNG take the data-hashed path (``datahash``: one streamed pass, hashed with OpenSSL);
other formats, and files that already carry a store, go through ``Builder.sign``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import c2pa

from assets.credentials import datahash
from assets.credentials.config import (
    SigningError,
    c2pa_context,
    c2pa_signer,
    get_signer,
    refuse_expired,
)
from assets.credentials.manifest import Ingredient, OutputFacts, build_manifest

EMBEDDED = {"image/jpeg", "image/png", "image/webp", "video/mp4", "video/quicktime"}


@dataclass(frozen=True)
class Stamped:
    path: Path
    sidecar: Path | None  # the .c2pa manifest store, for formats that do not embed one


def _add_ingredients(builder: c2pa.Builder, ingredients: list[Ingredient]) -> None:
    for index, ingredient in enumerate(ingredients):
        description = {
            "title": ingredient.title,
            "relationship": ingredient.relationship,
            "label": f"ingredient-{index}",
            "format": ingredient.mime_type,
        }
        source_format = ingredient.mime_type
        if ingredient.manifest_data is not None:
            # The input's own manifest lies beside it: hand the SDK the manifest store itself.
            import io

            builder.add_ingredient(
                description, "application/c2pa", io.BytesIO(ingredient.manifest_data)
            )
            continue
        if source_format not in c2pa.Builder.get_supported_mime_types():
            source_format = "application/octet-stream"
        with open(ingredient.path, "rb") as stream:
            builder.add_ingredient(description, source_format, stream)


def stamp(
    *, source: Path, target: Path, mime_type: str, facts: OutputFacts, ingredients: list[Ingredient]
) -> Stamped:
    """Write ``source`` to ``target`` carrying a signed manifest built from ``facts``."""
    manifest = build_manifest(facts, ingredients)
    signer = get_signer()
    refuse_expired(signer)
    embed = mime_type in EMBEDDED
    try:
        with c2pa.Builder(manifest, c2pa_context(signing=True)) as builder:
            _add_ingredients(builder, ingredients)
            native_signer = c2pa_signer(signer)
            with source.open("rb") as src:
                insert_at = (
                    datahash.insertion_offset(src, mime_type)
                    if mime_type in datahash.FORMATS and datahash.available(builder, native_signer)
                    else None
                )
                if insert_at is not None:
                    datahash.stamp(builder, native_signer, src, target, mime_type, insert_at)
                    return Stamped(target, None)
                if not embed:
                    builder.set_no_embed()
                src.seek(0)
                with target.open("w+b") as dst:
                    manifest_bytes = builder.sign(native_signer, mime_type, src, dst)
    except (c2pa.C2paError, datahash.DataHashError) as exc:
        target.unlink(missing_ok=True)
        raise SigningError(f"Signing failed: {exc}") from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if embed:
        return Stamped(target, None)
    shutil.copyfile(source, target)  # the media stays byte for byte; the manifest goes beside it
    sidecar = target.with_name(target.name + ".c2pa")
    sidecar.write_bytes(manifest_bytes)
    return Stamped(target, sidecar)
