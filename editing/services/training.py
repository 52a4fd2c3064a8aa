"""Training runs: gated on ai_train and likeness-training consent, a frozen ledger, one adapter."""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetKind, LineageNode
from assets.services import derivation_record
from assets.storage import LocalCopy
from editing import events
from editing.choices import FINISHED, JobStatus, ModelTask
from editing.models import Adapter, TrainingRun
from editing.operations.base import number
from editing.pipelines import file_sha256
from editing.services.idempotency import (
    idempotency_key_checked,
    request_fingerprint,
    run_create_once,
    run_replayed,
)
from editing.services.leases import LeaseKeeper, LeaseLost
from editing.services.lifecycle import (
    WORKER,
    claim,
    end,
    finish,
    holds,
    intended_instant,
    queue_or_deny,
)
from editing.services.progress import Progress
from editing.services.registry import adapter_store_weights
from licensing.choices import RightsAction
from licensing.gate import UseRequest
from licensing.models import TaintRecord
from licensing.services import gate_check
from studio.actors import describe_actor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.models.audit import canonical_json
from studio.scoping import require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor

log = logging.getLogger(__name__)
PREFIX = "editing.training"
DEFAULTS = {
    "rank": 4,
    "steps": 30,
    "learning_rate": 1e-4,
    "resolution": 64,
    "batch_size": 4,
    "frames_per_clip": 4,
}
LIMITS = {
    "rank": (1, 64),
    "steps": (1, 5000),
    "learning_rate": (1e-7, 1e-2),
    "resolution": (32, 1024),
    "batch_size": (1, 16),
    "frames_per_clip": (1, 64),
}


def clean_training_parameters(parameters: dict) -> dict:
    unknown = sorted(set(parameters) - set(DEFAULTS))
    if unknown:
        raise ValidationError(
            {"parameters": f"Unknown training parameter(s): {', '.join(unknown)}."}
        )
    cleaned = {**DEFAULTS, **parameters}
    for name, (low, high) in LIMITS.items():
        number(cleaned, name, low, high)
    if cleaned["resolution"] % 8:
        raise ValidationError({"parameters.resolution": "Must be a multiple of 8."})
    return cleaned


def training_use_request(run: TrainingRun, *, starting: bool = False) -> UseRequest:
    return UseRequest(
        action=RightsAction.AI_TRAIN,
        production_id=run.production_id,
        asset_ids=tuple(run.assets.values_list("pk", flat=True)),
        territory=run.territory,
        media=run.media,
        at=intended_instant(run, starting=starting),
        model_version_id=run.model_version_id,
    )


def training_run_submit(
    *,
    actor: Actor,
    production,
    name: str,
    model_version,
    assets: list,
    territory: str,
    media: str,
    caption: str = "",
    parameters: dict | None = None,
    seed: int | None = None,
    replaces: Adapter | None = None,
    idempotency_key: str = "",
    at=None,
) -> TrainingRun:
    """Gate a training run on every asset (ai_train) and every person in them (likeness training).

    An idempotency key works as for edit jobs: the same request returns the run already made, a
    different one raises IdempotencyKeyReused.
    """
    require_production_access(actor, production, ScopeAction.CHANGE)
    who = describe_actor(actor)
    key = idempotency_key_checked(idempotency_key)
    fingerprint = request_fingerprint(
        {
            "production": production.pk,
            "name": name,
            "model_version": model_version.pk,
            "assets": [asset.pk for asset in assets],
            "territory": territory,
            "media": media,
            "caption": caption,
            "parameters": parameters or {},
            "seed": seed,
            "replaces": replaces.pk if replaces is not None else None,
        }
        | ({"at": at.isoformat()} if at is not None else {})
    )
    scope = {"requester_id": who.actor_id, "production": production, "key": key}
    existing = run_replayed(TrainingRun, fingerprint=fingerprint, **scope)
    if existing is not None:
        return existing
    if model_version.task != ModelTask.IMG2IMG:
        raise ValidationError(
            {"model_version": "Adapters are trained on an image-to-image base model."}
        )
    if not assets:
        raise ValidationError({"assets": "A training run needs footage."})
    for asset in assets:
        if asset.production_id != production.pk:
            raise ValidationError({"assets": f"Asset {asset.pk} belongs to another production."})
        if asset.kind not in (AssetKind.VIDEO, AssetKind.IMAGE):
            raise ValidationError(
                {"assets": f"Asset {asset.pk} is {asset.kind}; training uses clips and stills."}
            )
    params = clean_training_parameters(dict(parameters or {}))
    with transaction.atomic():
        run, created = run_create_once(
            TrainingRun,
            key=key,
            fingerprint=fingerprint,
            production=production,
            requested_by=who.actor_name,
            requested_by_id=who.actor_id,
            name=name,
            model_version=model_version,
            parameters=params,
            seed=seed if seed is not None else secrets.randbelow(2**31),
            territory=territory.upper(),
            media=media,
            caption=caption or name,
            replaces=replaces,
            intended_use_at=at or timezone.now(),
        )
        if not created:
            return run
        run.assets.set(assets)
        decision, evaluation = gate_check(
            actor=actor, request=training_use_request(run), subject=run
        )
        run.submit_evaluation = evaluation
        queue_or_deny(
            actor=actor,
            run=run,
            decision=decision,
            prefix=PREFIX,
            task_name="editing.gpu.run_training",
            announce=events.training_finished,
            facts={"assets": [a.pk for a in assets], "parameters": params},
        )
    return run


def build_ledger(run: TrainingRun, decision, evaluation) -> dict:
    """What the adapter learned from and on whose authority, frozen before training starts."""
    model = run.model_version
    return {
        "training_run": run.pk,
        "production": run.production.code,
        "assets": [
            {"asset": a.pk, "sha256": a.sha256, "filename": a.original_filename}
            for a in run.assets.order_by("pk")
        ],
        "grants": [r.refs for r in decision.relied_on if r.code == "grant"],
        "consents": [r.refs for r in decision.relied_on if r.code == "consent"],
        "base_model": {
            "id": model.pk,
            "family": model.family,
            "version": model.version,
            "weights_sha256": model.weights_sha256,
        },
        "parameters": run.parameters,
        "seed": run.seed,
        "caption": run.caption,
        "gate_evaluation": evaluation.pk,
        "rule_version": decision.rule_version,
    }


def ledger_hash(ledger: dict) -> str:
    return hashlib.sha256(canonical_json(ledger).encode()).hexdigest()


def training_run_execute(*, run_id: int, worker: str = "local") -> TrainingRun | None:
    """Train here if this worker can take the run's lease (see ``edit_job_execute``)."""
    run = claim(TrainingRun, run_id, worker, PREFIX, "cpu", events.training_finished)
    if run is None:
        return TrainingRun.objects.filter(pk=run_id).first()

    def _end(status: str, error: str) -> None:
        end(TrainingRun, run.pk, status, PREFIX, error, events.training_finished, worker=worker)

    decision, evaluation = gate_check(
        actor=WORKER, request=training_use_request(run, starting=True), subject=run
    )
    if not decision.allowed:
        _end(JobStatus.DENIED, "\n".join(r.message for r in decision.blocking))
        return TrainingRun.objects.get(pk=run.pk)
    ledger = build_ledger(run, decision, evaluation)
    TrainingRun.objects.filter(pk=run.pk).update(
        start_evaluation=evaluation, ledger=ledger, ledger_sha256=ledger_hash(ledger)
    )
    try:
        with (
            LeaseKeeper(TrainingRun, run.pk, worker) as lease,
            tempfile.TemporaryDirectory(
                prefix=f"training-{run.pk}-", dir=settings.ASSET_SPOOL_DIR
            ) as folder,
        ):
            weights = _train(run, Path(folder), lease)
            _complete(run.pk, weights, worker)
    except LeaseLost:
        log.warning("Training run %s was taken from %s; its weights are dropped.", run.pk, worker)
    except Exception as exc:
        _end(JobStatus.FAILED, f"{type(exc).__name__}: {exc}")
    return TrainingRun.objects.get(pk=run.pk)


def _train(run: TrainingRun, folder: Path, lease: LeaseKeeper) -> Path:
    # torch, diffusers and peft load only in the worker that trains, never in web processes
    from editing.training import WEIGHTS_NAME, sample_frames, train_lora

    progress = Progress(TrainingRun, run.pk, lease)
    progress.report("sampling frames", 0.0, force=True)
    rng = random.Random(run.seed)  # noqa: S311  (frame sampling, not security)
    frames = []
    for asset in run.assets.order_by("pk"):
        with LocalCopy(asset.storage_key) as path:
            frames += sample_frames(path, asset.kind, int(run.parameters["frames_per_clip"]), rng)
    steps = int(run.parameters["steps"])

    def on_step(step: int, loss: float) -> None:
        progress.check_cancel()
        progress.report("training", step / steps)

    train_lora(
        model_location=run.model_version.location,
        frames=frames,
        caption=run.caption,
        target=folder,
        rank=int(run.parameters["rank"]),
        steps=steps,
        learning_rate=float(run.parameters["learning_rate"]),
        resolution=int(run.parameters["resolution"]),
        batch_size=int(run.parameters["batch_size"]),
        seed=run.seed,
        on_step=on_step,
    )
    return folder / WEIGHTS_NAME


def _complete(run_id: int, weights: Path, worker: str) -> None:
    sha256 = file_sha256(weights)
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if (
            run.status in FINISHED
            or not holds(run, worker)
            or Adapter.objects.filter(training_run=run).exists()
        ):
            return
        adapter = Adapter.objects.create(
            production=run.production,
            name=run.name,
            model_version=run.model_version,
            weights_key=adapter_store_weights(weights, sha256),
            weights_sha256=sha256,
            training_run=run,
            training_ledger_sha256=run.ledger_sha256,
            replaces=run.replaces,
        )
        inputs = [
            (LineageNode.ASSET, pk, "training") for pk in run.assets.values_list("pk", flat=True)
        ]
        inputs.append((LineageNode.MODEL_VERSION, run.model_version_id, "base_model"))
        derivation_record(
            actor=WORKER,
            production=run.production,
            output=(LineageNode.ADAPTER, adapter.pk),
            inputs=inputs,
            activity=("training_run", run.pk),
        )
        audit_record(
            actor=WORKER,
            action="editing.adapter.trained",
            production=run.production,
            target=adapter,
            after={"weights_sha256": sha256, "training_ledger_sha256": run.ledger_sha256},
        )
        run.progress_percent, run.progress_stage = 100, "done"
        run.save(update_fields=["progress_percent", "progress_stage", "updated_at"])
        finish(run, JobStatus.SUCCEEDED, PREFIX, announce=events.training_finished)


def training_retrain_without(*, actor: Actor, adapter: Adapter) -> TrainingRun:
    """A new run with the same parameters minus the footage behind the adapter's taint; the new
    adapter will name the old one as the one it replaces. Gated as usual."""
    run = adapter.training_run
    if run is None:
        raise ValidationError(
            {"adapter": "This adapter was registered, not trained here: there is nothing to rerun."}
        )
    records = TaintRecord.objects.filter(
        node_type="adapter", node_id=adapter.pk, lifted_at__isnull=True
    )
    excluded = {
        path[0][1]
        for path in records.values_list("path", flat=True)
        if path and path[0][0] == "asset"
    }
    remaining = [
        a for a in run.assets.order_by("pk") if a.pk not in excluded and a.status == "active"
    ]
    if not remaining:
        raise ValidationError(
            {"adapter": "No footage of this adapter is left once the affected footage is removed."}
        )
    return training_run_submit(
        actor=actor,
        production=run.production,
        name=f"{run.name} (retrained)",
        model_version=run.model_version,
        assets=remaining,
        territory=run.territory,
        media=run.media,
        caption=run.caption,
        parameters=dict(run.parameters),
        seed=run.seed,
        replaces=adapter,
    )
