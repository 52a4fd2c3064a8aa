"""Stamp an output with Content Credentials: embedded where the format allows, else a sidecar.

JPEG, PNG, MP4 and QuickTime are copied once while we compute their hard binding, which the SDK
signs (``bindings``); other formats, and files that already carry a store, go through
``Builder.sign``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import c2pa

from assets.credentials import bindings
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
    try:
        with source.open("rb") as src:
            if mime_type in bindings.BMFF_FORMATS:
                boxes = bindings.bmff_boxes(src) if bindings.available() else None
                if boxes is not None:
                    _stamp_bmff(src, target, mime_type, manifest, signer, ingredients, boxes)
                    return Stamped(target, None)
            return _stamp(src, target, mime_type, manifest, signer, ingredients)
    except (c2pa.C2paError, bindings.BindingError) as exc:
        target.unlink(missing_ok=True)
        raise SigningError(f"Signing failed: {exc}") from exc
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _stamp(src, target, mime_type, manifest, signer, ingredients) -> Stamped:
    """JPEG and PNG through the data-hashed workflow; anything else through ``Builder.sign``."""
    embed = mime_type in EMBEDDED
    with c2pa.Builder(manifest, c2pa_context(signing=True)) as builder:
        _add_ingredients(builder, ingredients)
        native_signer = c2pa_signer(signer)
        insert_at = (
            bindings.insertion_offset(src, mime_type)
            if mime_type in bindings.FORMATS and bindings.available(builder, native_signer)
            else None
        )
        if insert_at is not None:
            bindings.stamp_with_placeholder(
                builder, native_signer, src, target, mime_type, insert_at
            )
            return Stamped(target, None)
        if not embed:
            builder.set_no_embed()
        src.seek(0)
        with target.open("w+b") as dst:
            manifest_bytes = builder.sign(native_signer, mime_type, src, dst)
    if embed:
        return Stamped(target, None)
    src.seek(0)
    with target.open("wb") as dst:  # the media stays byte for byte; the manifest goes beside it
        shutil.copyfileobj(src, dst, 1024 * 1024)
    sidecar = target.with_name(target.name + ".c2pa")
    sidecar.write_bytes(manifest_bytes)
    return Stamped(target, sidecar)


def _stamp_bmff(src, target, mime_type, manifest, signer, ingredients, boxes) -> None:
    """MP4/QuickTime: hash the copy as ``c2pa.hash.bmff.v3``, append the signed C2PA box."""
    hasher, writer, fd = bindings.copy_hashing_bmff(src, target, boxes)
    try:
        manifest = {
            **manifest,
            "assertions": [
                *manifest.get("assertions", []),
                bindings.bmff_hash_assertion(hasher.digest()),
            ],
        }
        context = c2pa_context(signing=True, signer=c2pa_signer(signer))
        with c2pa.Builder(manifest, context) as builder:
            _add_ingredients(builder, ingredients)
            writer.write(memoryview(bindings.sign_embeddable(builder, mime_type)))
    finally:
        os.close(fd)
