"""Read and validate C2PA Content Credentials found in a file (c2pa-python)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import c2pa
from django.conf import settings

from assets.choices import C2paState

_STATES = {"Trusted": C2paState.TRUSTED, "Valid": C2paState.VALID, "Invalid": C2paState.INVALID}


@dataclass
class CredentialReading:
    state: str = C2paState.NONE
    active_manifest: str = ""
    manifest: dict | None = None
    failure_codes: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)


@lru_cache(maxsize=4)
def _read_anchors(path: str) -> str:
    return Path(path).read_text()


def _trust_anchors() -> str | None:
    path = settings.C2PA_TRUST_ANCHORS
    return _read_anchors(str(path)) if path else None


def reader_settings() -> dict:
    """Never fetch remote manifests on ingest; trust only the configured anchors."""
    config: dict = {"verify": {"remote_manifest_fetch": False}}
    anchors = _trust_anchors()
    if anchors:
        config["trust"] = {"user_anchors": anchors}
    return config


def _failures(results: dict | None) -> list[dict]:
    if not results:
        return []
    active = results.get("activeManifest") or {}
    failures = list(active.get("failure") or [])
    for ingredient in results.get("ingredientDeltas") or []:
        failures += (ingredient.get("validationDeltas") or {}).get("failure") or []
    return failures


def read_credentials(path: Path, mime_type: str) -> CredentialReading:
    """The manifest store and its validation state. A store that cannot even be parsed is Invalid."""
    if mime_type not in c2pa.Reader.get_supported_mime_types():
        return CredentialReading()
    context = c2pa.Context(settings=c2pa.Settings.from_dict(reader_settings()))
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(mime_type, stream, context=context)
            if reader is None:
                return CredentialReading()
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
