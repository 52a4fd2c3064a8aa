"""Read and validate C2PA Content Credentials found in a file, without ever raising on bad ones."""

from __future__ import annotations

import json
import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

import c2pa

from assets.choices import C2paState
from assets.credentials.config import c2pa_context

_STATES = {"Trusted": C2paState.TRUSTED, "Valid": C2paState.VALID, "Invalid": C2paState.INVALID}
SUMMARIES = {
    C2paState.NONE: "No Content Credentials.",
    C2paState.TRUSTED: "Content Credentials are intact and signed by a trusted signer.",
    C2paState.VALID: "Content Credentials are intact, but the signer is not on our trust list.",
    C2paState.INVALID: "Content Credentials are invalid: the file or its credentials changed after signing.",
}


@dataclass
class CredentialReading:
    state: str = C2paState.NONE
    active_manifest: str = ""
    manifest: dict | None = None
    failure_codes: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = SUMMARIES[self.state]
        if self.state == C2paState.INVALID and self.failure_codes:
            text += f" ({', '.join(self.failure_codes)})"
        return text

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "summary": self.summary,
            "active_manifest": self.active_manifest,
            "failure_codes": self.failure_codes,
            "explanations": self.explanations,
            "chain": ingredient_tree(self.manifest, self.active_manifest),
        }


def _failures(results: dict | None) -> list[dict]:
    if not results:
        return []
    active = results.get("activeManifest") or {}
    failures = list(active.get("failure") or [])
    for ingredient in results.get("ingredientDeltas") or []:
        failures += (ingredient.get("validationDeltas") or {}).get("failure") or []
    return failures


def _can_read(mime_type: str, manifest_data: bytes | None) -> bool:
    return manifest_data is not None or mime_type in c2pa.Reader.get_supported_mime_types()


def read_credentials(
    path: Path, mime_type: str, *, manifest_data: bytes | None = None
) -> CredentialReading:
    """The manifest store and its validation state; ``manifest_data`` reads a sidecar ``.c2pa``.

    Tampering that stops the SDK from parsing at all (it raises rather than reporting) is Invalid.
    """
    if not _can_read(mime_type, manifest_data):
        return CredentialReading()
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(
                mime_type, stream, manifest_data, context=c2pa_context()
            )
            if reader is None:
                return _absent_or_unreadable(path, mime_type)
            with reader:
                store = json.loads(reader.json())
                failures = _failures(reader.get_validation_results())
                state = _STATES.get(reader.get_validation_state() or "", C2paState.INVALID)
    except c2pa.C2paError as exc:
        return CredentialReading(
            state=C2paState.INVALID,
            failure_codes=["manifest.unreadable"],
            explanations=[str(exc)[:500]],
        )
    return CredentialReading(
        state=state,
        active_manifest=store.get("active_manifest") or "",
        manifest=store,
        failure_codes=sorted({f.get("code", "") for f in failures if f.get("code")}),
        explanations=[f.get("explanation", "") for f in failures],
    )


UNREADABLE = (
    "A C2PA manifest store is present but cannot be parsed; it was damaged or tampered with."
)
SCAN_BYTES = 16 * 1024 * 1024


def _absent_or_unreadable(path: Path, mime_type: str) -> CredentialReading:
    """The SDK says "no manifest" when a store is damaged past recognition; a C2PA box in the file
    says otherwise, and that is reported as Invalid."""
    found = _has_c2pa_uuid_box(path) if mime_type in BMFF_TYPES else None
    if found is None:
        found = _has_c2pa_jumbf(path)
    if found:
        return CredentialReading(
            state=C2paState.INVALID,
            failure_codes=["manifest.unreadable"],
            explanations=[UNREADABLE],
        )
    return CredentialReading()


# ISO base media files (MP4, QuickTime, HEIF) carry the store in a top-level box of this UUID.
BMFF_TYPES = frozenset(
    {"video/mp4", "video/quicktime", "audio/mp4", "image/heic", "image/heif", "image/avif"}
)
C2PA_BOX_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")


class Box(NamedTuple):
    offset: int
    size: int
    kind: bytes
    c2pa: bool  # the C2PA manifest store's uuid box
    to_end: bool  # declared with size 0: runs to the end of the file


def top_level_boxes(stream: BinaryIO) -> list[Box] | None:
    """The top-level boxes of an ISO base media file, a few reads however large the media; None
    when they do not add up to the file."""
    end = os.fstat(stream.fileno()).st_size
    boxes, offset = [], 0
    while offset < end:
        stream.seek(offset)
        header = stream.read(32)
        if len(header) < 8:
            return None
        size, kind = struct.unpack(">I4s", header[:8])
        start = 8
        if size == 1 and len(header) >= 16:
            size, start = struct.unpack(">Q", header[8:16])[0], 16
        to_end = size == 0
        if to_end:
            size = end - offset
        if size < start or offset + size > end:
            return None
        c2pa_box = kind == b"uuid" and header[start : start + 16] == C2PA_BOX_UUID
        boxes.append(Box(offset, size, kind, c2pa_box, to_end))
        offset += size
    return boxes


def _has_c2pa_uuid_box(path: Path) -> bool | None:
    """Whether a C2PA box is among the top-level boxes; None if they don't parse."""
    with path.open("rb") as handle:
        boxes = top_level_boxes(handle)
    return None if boxes is None else any(box.c2pa for box in boxes)


def _has_c2pa_jumbf(path: Path) -> bool:
    """A JUMBF box labelled c2pa in the file's first megabytes, searched through a read-only
    mapping: nothing is copied, whatever the file's size."""
    with path.open("rb") as handle:
        try:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped, and holds no box
            return False
        with mapped:
            end = min(len(mapped), SCAN_BYTES)
            marker = mapped.find(b"jumb", 0, end)
            while marker != -1:
                if mapped.find(b"c2pa", marker, marker + 4096) != -1:
                    return True
                marker = mapped.find(b"jumb", marker + 4, end)
    return False


def ingredient_tree(store: dict | None, label: str, depth: int = 0) -> dict | None:
    """One manifest and, under it, the manifests of its ingredients: the chain of custody."""
    if not store or not label or depth > 32:
        return None
    manifest = (store.get("manifests") or {}).get(label)
    if manifest is None:
        return None
    actions = [
        {
            "action": a.get("action"),
            "digitalSourceType": a.get("digitalSourceType"),
            "softwareAgent": a.get("softwareAgent"),
        }
        for assertion in manifest.get("assertions", [])
        if assertion.get("label", "").startswith("c2pa.actions")
        for a in assertion.get("data", {}).get("actions", [])
    ]
    generator = (manifest.get("claim_generator_info") or [{}])[0]
    signature = manifest.get("signature_info") or {}
    return {
        "label": label,
        "title": manifest.get("title"),
        "generator": f"{generator.get('name', '')} {generator.get('version', '')}".strip(),
        "signed_by": signature.get("common_name") or signature.get("issuer"),
        "signed_at": signature.get("time"),
        "actions": actions,
        "ingredients": [
            {
                "title": ingredient.get("title"),
                "relationship": ingredient.get("relationship"),
                "manifest": ingredient_tree(
                    store, ingredient.get("active_manifest", ""), depth + 1
                ),
            }
            for ingredient in manifest.get("ingredients", [])
        ],
    }
