"""Registering base models (by path, hashed) and adapters (uploaded weights, hashed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assets.incoming import IncomingFile
from assets.storage import place
from editing.choices import ModelTask
from editing.models import Adapter, ModelVersion
from editing.pipelines import directory_weights_sha256
from studio.actors import SystemActor, describe_actor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.scoping import require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor


def _check_location(location: Path) -> Path:
    real = location.resolve()
    roots = settings.EDITING_MODEL_ROOTS
    if not any(real.is_relative_to(root) for root in roots):
        raise ValidationError(
            {"location": f"{location} is outside the model folders ({', '.join(map(str, roots))})."}
        )
    if not (real / "model_index.json").exists():
        raise ValidationError(
            {"location": f"{location} is not a diffusers directory (no model_index.json)."}
        )
    return real


def model_register(
    *,
    actor: Actor,
    family: str,
    version: str,
    task: str,
    location: Path,
    provenance: dict | None = None,
    max_side: int = 512,
) -> ModelVersion:
    """Register a base model from a local diffusers directory; its weights are hashed now."""
    if not (isinstance(actor, SystemActor) or getattr(actor, "is_superuser", False)):
        raise PermissionDenied("Only a studio administrator registers models.")
    if task not in ModelTask.values:
        raise ValidationError(
            {"task": f"Unknown task {task!r}; use one of {', '.join(ModelTask.values)}."}
        )
    real = _check_location(Path(location))
    model = ModelVersion(
        family=family,
        version=version,
        task=task,
        location=str(real),
        weights_sha256=directory_weights_sha256(real),
        provenance=provenance or {},
        registered_by=describe_actor(actor).actor_name,
        max_side=max_side,
    )
    model.full_clean()
    with transaction.atomic():
        model.save(force_insert=True)
        audit_record(
            actor=actor,
            action="editing.model.registered",
            target=model,
            after={
                "family": family,
                "version": version,
                "task": task,
                "location": str(real),
                "weights_sha256": model.weights_sha256,
                "provenance": model.provenance,
            },
        )
    return model


def adapter_store_weights(path: Path, sha256: str) -> str:
    """Keep adapter weights in storage by their hash (the same weights are stored once)."""
    incoming = IncomingFile(path=path, size=path.stat().st_size, sha256=sha256, head=b"")
    key, _ = place(incoming, f"adapters/{sha256[:2]}/{sha256}/pytorch_lora_weights.safetensors")
    return key


def adapter_register(
    *, actor: Actor, production, name: str, model_version: ModelVersion, weights: IncomingFile
) -> Adapter:
    """Register LoRA weights made elsewhere; they carry no training ledger of ours."""
    require_production_access(actor, production, ScopeAction.LEGAL)
    if weights.head[:8] == b"" or weights.size < 16:
        raise ValidationError({"weights": "The file is not a safetensors file."})
    header_length = int.from_bytes(weights.head[:8], "little")
    if not 2 <= header_length <= 100_000_000 or weights.head[8:9] != b"{":
        raise ValidationError({"weights": "The file is not a safetensors file."})
    key = adapter_store_weights(weights.path, weights.sha256)
    with transaction.atomic():
        adapter = Adapter.objects.create(
            production=production,
            name=name,
            model_version=model_version,
            weights_key=key,
            weights_sha256=weights.sha256,
        )
        audit_record(
            actor=actor,
            action="editing.adapter.registered",
            production=production,
            target=adapter,
            after={"model_version": model_version.pk, "weights_sha256": weights.sha256},
        )
    return adapter
