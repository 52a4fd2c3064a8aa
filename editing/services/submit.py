"""Submitting an edit: every check that can be made before a GPU is involved, then the gate."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetKind
from editing import events
from editing.choices import AdapterStatus, ModelStatus
from editing.masks import asset_mask, checked_mask, polygons_mask
from editing.models import EditJob, EditJobAdapter, ModelVersion
from editing.operations import get_operation
from editing.services.idempotency import (
    idempotency_key_checked,
    request_fingerprint,
    run_create_once,
    run_replayed,
)
from editing.services.lifecycle import intended_instant, queue_or_deny
from licensing.gate import Decision, UseRequest, evaluate
from licensing.services import check_use_request, gate_check
from studio.actors import describe_actor
from studio.choices import ScopeAction
from studio.scoping import require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor


def choose_model(operation, model: ModelVersion | None) -> ModelVersion | None:
    if operation.task is None:
        if model is not None:
            raise ValidationError({"model_version": f"{operation.name} runs without a model."})
        return None
    if model is None:
        model = (
            ModelVersion.objects.filter(task=operation.task, status=ModelStatus.ACTIVE)
            .order_by("-created_at")
            .first()
        )
        if model is None:
            raise ValidationError(
                {"model_version": f"No active {operation.task} model is registered."}
            )
    if model.task != operation.task:
        raise ValidationError(
            {
                "model_version": f"{operation.name} needs a {operation.task} model; {model} is {model.task}."
            }
        )
    if model.status != ModelStatus.ACTIVE:
        raise ValidationError({"model_version": f"{model} is {model.status}."})
    return model


def check_adapters(production, model, adapters) -> None:
    for index, (adapter, weight) in enumerate(adapters):
        field = f"adapters.{index}"
        if adapter.production_id != production.pk:
            raise ValidationError({field: f"Adapter {adapter.name} belongs to another production."})
        if model is None or adapter.model_version_id != model.pk:
            raise ValidationError(
                {
                    field: f"Adapter {adapter.name} was trained for {adapter.model_version}, not {model}."
                }
            )
        if not 0 < weight <= 2:
            raise ValidationError({field: "An adapter weight is between 0 (excluded) and 2."})
        if adapter.status == AdapterStatus.RETIRED:
            raise ValidationError({field: f"Adapter {adapter.name} is retired."})


def check_inputs(production, inputs) -> None:
    if len(inputs) != 1:
        raise ValidationError({"inputs": "An edit takes exactly one input clip or still."})
    for asset in inputs:
        if asset.production_id != production.pk:
            raise ValidationError({"inputs": f"Asset {asset.pk} belongs to another production."})
        if asset.kind not in (AssetKind.VIDEO, AssetKind.IMAGE):
            raise ValidationError(
                {"inputs": f"Asset {asset.pk} is {asset.kind}; edits take video or stills."}
            )


def check_frames(params: dict, asset) -> None:
    start, end = params.get("frame_start"), params.get("frame_end")
    if start is None and end is None:
        return
    if asset.kind != AssetKind.VIDEO:
        raise ValidationError({"parameters.frame_start": "Frame ranges apply to clips only."})
    start = 0 if start is None else start
    end = asset.frame_count if end is None else end
    if not (isinstance(start, int) and isinstance(end, int)) or not 0 <= start < end <= (
        asset.frame_count or 0
    ):
        raise ValidationError(
            {
                "parameters.frame_end": f"The range [{start}, {end}) is not inside the clip's "
                f"{asset.frame_count} frames."
            }
        )
    params["frame_start"], params["frame_end"] = start, end


def check_mask(operation, asset, mask, polygons) -> None:
    if not operation.needs_mask:
        if mask is not None or polygons:
            raise ValidationError({"mask": f"{operation.name} takes no mask."})
        return
    if mask is None and not polygons:
        raise ValidationError({"mask": f"{operation.name} needs a mask (a PNG asset or polygons)."})
    size = (asset.width, asset.height)
    if mask is not None:
        if mask.production_id != asset.production_id:
            raise ValidationError({"mask": "The mask belongs to another production."})
        checked_mask(asset_mask(mask), size)
    else:
        checked_mask(polygons_mask(polygons, size), size, field="mask_polygons")


def check_prompt(operation, prompt: str, negative_prompt: str) -> None:
    limit = settings.EDITING_MAX_PROMPT_CHARS
    for field, text in (("prompt", prompt), ("negative_prompt", negative_prompt)):
        if len(text) > limit:
            raise ValidationError({field: f"At most {limit} characters ({len(text)} given)."})
    if operation.needs_prompt and not prompt.strip():
        raise ValidationError({"prompt": f"{operation.name} needs a prompt."})


def edit_job_submit(
    *,
    actor: Actor,
    production,
    operation: str,
    inputs: list,
    territory: str,
    media: str,
    language: str = "",
    mask=None,
    mask_polygons=None,
    prompt: str = "",
    negative_prompt: str = "",
    parameters: dict | None = None,
    seed: int | None = None,
    model_version: ModelVersion | None = None,
    adapters: list | tuple = (),
    idempotency_key: str = "",
    recalled_from: EditJob | None = None,
    at=None,
) -> EditJob:
    """Check an edit request, gate it, record it; allowed jobs go to the GPU queue after commit.

    A denied job is kept, with its reasons, and never queued. An idempotency key is the requester's
    within the production and bound to the request: sent again with the same request, even
    concurrently, it returns the job already made; with a different one it raises
    IdempotencyKeyReused (see ``editing.services.idempotency``).

    ``at`` is when the output will be used (default: now): the gate answers for that instant, as a
    dry run (``/clearance/check`` or ``edit_job_check``) with the same ``at`` does.
    """
    require_production_access(actor, production, ScopeAction.CHANGE)
    who = describe_actor(actor)
    key = idempotency_key_checked(idempotency_key)
    fingerprint = request_fingerprint(
        {
            "production": production.pk,
            "operation": operation,
            "inputs": [asset.pk for asset in inputs],
            "territory": territory,
            "media": media,
            "language": language,
            "mask": mask.pk if mask is not None else None,
            "mask_polygons": mask_polygons or [],
            "prompt": prompt,
            "negative_prompt": negative_prompt,
            "parameters": parameters or {},
            "seed": seed,
            "model_version": model_version.pk if model_version is not None else None,
            "adapters": [[adapter.pk, weight] for adapter, weight in adapters],
            "recalled_from": recalled_from.pk if recalled_from is not None else None,
        }
        | ({"at": at.isoformat()} if at is not None else {})
    )
    scope = {"requester_id": who.actor_id, "production": production, "key": key}
    existing = run_replayed(EditJob, fingerprint=fingerprint, **scope)
    if existing is not None:
        return existing
    op = get_operation(operation)
    check_inputs(production, inputs)
    model = choose_model(op, model_version)
    check_adapters(production, model, adapters)
    check_prompt(op, prompt, negative_prompt)
    params = op.clean_params(dict(parameters or {}))
    check_frames(params, inputs[0])
    check_mask(op, inputs[0], mask, mask_polygons)
    with transaction.atomic():
        job, created = run_create_once(
            EditJob,
            key=key,
            fingerprint=fingerprint,
            production=production,
            requested_by=who.actor_name,
            requested_by_id=who.actor_id,
            operation=op.name,
            model_version=model,
            parameters=params,
            seed=seed if seed is not None else secrets.randbelow(2**31),
            territory=territory.upper(),
            media=media,
            language=language,
            mask=mask,
            mask_polygons=mask_polygons or [],
            prompt=prompt,
            negative_prompt=negative_prompt,
            recalled_from=recalled_from,
            intended_use_at=at or timezone.now(),
        )
        if not created:
            return job
        # A new job has no inputs or adapters yet: written at once, and the gate is told what was
        # written instead of reading it back (the one input ``check_inputs`` allows).
        input_ids = tuple(asset.pk for asset in inputs)
        EditJob.inputs.through.objects.bulk_create(
            [EditJob.inputs.through(editjob_id=job.pk, asset_id=pk) for pk in input_ids]
        )
        EditJobAdapter.objects.bulk_create(
            [EditJobAdapter(job=job, adapter=a, weight=w) for a, w in adapters]
        )
        use = job_use_request(
            job, asset_ids=input_ids, adapter_ids=tuple(a.pk for a, _w in adapters)
        )
        decision, evaluation = gate_check(actor=actor, request=use, subject=job)
        job.submit_evaluation = evaluation
        _queue_or_deny(actor, job, decision, input_ids)
    return job


def job_use_request(
    job: EditJob,
    *,
    starting: bool = False,
    asset_ids: tuple[int, ...] | None = None,
    adapter_ids: tuple[int, ...] | None = None,
) -> UseRequest:
    """The use a job makes; ``asset_ids`` and ``adapter_ids`` where the caller has just written
    them (read from the job otherwise)."""
    op = get_operation(job.operation)
    if asset_ids is None:
        asset_ids = tuple(job.inputs.values_list("pk", flat=True))
    if adapter_ids is None:
        adapter_ids = tuple(job.editjobadapter_set.values_list("adapter_id", flat=True))
    return UseRequest(
        action=op.rights_action,
        production_id=job.production_id,
        asset_ids=asset_ids,
        territory=job.territory,
        media=job.media,
        at=intended_instant(job, starting=starting),
        language=job.language,
        model_version_id=job.model_version_id,
        adapter_ids=adapter_ids,
        consent_scopes=op.consent_scopes,
    )


def edit_job_check(
    *,
    actor: Actor,
    operation: str,
    inputs: list,
    territory: str,
    media: str,
    language: str = "",
    adapters: list | tuple = (),
    at=None,
) -> Decision:
    """A dry run of the gate for an edit not yet requested: the decision submitting it now would get.

    Nothing is stored, audited or queued (as for ``POST /api/v1/clearance/check``). ``at`` is the
    intended use's instant (default: now), as for ``edit_job_submit``.
    """
    production = inputs[0].production if inputs else None
    if production is None:
        raise ValidationError({"inputs": "Choose the clip or still to edit."})
    require_production_access(actor, production, ScopeAction.VIEW)
    op = get_operation(operation)
    check_inputs(production, inputs)
    model = choose_model(op, None)
    use = UseRequest(
        action=op.rights_action,
        production_id=production.pk,
        asset_ids=tuple(asset.pk for asset in inputs),
        territory=territory.upper(),
        media=media,
        at=at or timezone.now(),
        language=language,
        model_version_id=model.pk if model is not None else None,
        adapter_ids=tuple(adapter.pk for adapter, _weight in adapters),
        consent_scopes=op.consent_scopes,
    )
    check_use_request(use)
    return evaluate(use)


def _queue_or_deny(actor, job: EditJob, decision, input_ids: tuple[int, ...]) -> None:
    facts = {
        "operation": job.operation,
        "inputs": list(input_ids),
        "model_version": job.model_version_id,
    }
    queue_or_deny(
        actor=actor,
        run=job,
        decision=decision,
        prefix="editing.job",
        facts=facts,
        task_name="editing.gpu.run_edit_job",
        announce=events.job_finished,
    )
