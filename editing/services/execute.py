"""Running an edit on a worker: claim, gate again, run, stamp, and finish exactly once."""

from __future__ import annotations

import logging
import tempfile
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.choices import AssetKind, AssetOrigin, LineageNode
from assets.credentials.manifest import AdapterFacts, ModelFacts, OutputFacts
from assets.incoming import spool_in_place
from assets.services import asset_ingest, derivation_record, output_stamp
from assets.storage import LocalCopy
from editing import events
from editing.choices import FINISHED, JobStatus
from editing.masks import asset_mask, polygons_mask
from editing.media import OUTPUT_SUFFIX, edit_clip, edit_still, output_mime
from editing.models import EditJob
from editing.operations import FrameContext, JobCancelled, get_operation
from editing.pipelines import WeightsMismatch, device_and_dtype, exclusive, pipeline_cache
from editing.services.leases import LeaseKeeper, LeaseLost
from editing.services.lifecycle import WORKER, claim, end, finish, holds
from editing.services.progress import Progress
from editing.services.submit import job_use_request
from licensing.services import gate_check
from licensing.training_mining import training_mining_terms

log = logging.getLogger(__name__)
PREFIX = "editing.job"


def _device(job: EditJob) -> str:
    return device_and_dtype()[0] if job.model_version_id else "cpu"


def _claim(job_id: int, worker: str) -> EditJob | None:
    return claim(EditJob, job_id, worker, PREFIX, _device, events.job_finished)


def _finish(job: EditJob, status: str, error: str = "") -> None:
    finish(job, status, PREFIX, error, events.job_finished)


def edit_job_execute(*, job_id: int, worker: str = "local") -> EditJob | None:
    """Run the job here if this worker can take its lease; a delivery that cannot (finished, or
    running on a worker whose lease is live) does nothing and returns the job as it is."""
    job = _claim(job_id, worker)
    if job is None:
        return EditJob.objects.filter(pk=job_id).first()

    def _end(status: str, error: str) -> None:
        end(EditJob, job.pk, status, PREFIX, error, events.job_finished, worker=worker)

    decision, evaluation = gate_check(
        actor=WORKER, request=job_use_request(job, starting=True), subject=job
    )
    EditJob.objects.filter(pk=job.pk).update(start_evaluation=evaluation)
    if not decision.allowed:
        _end(JobStatus.DENIED, "\n".join(r.message for r in decision.blocking))
        return EditJob.objects.get(pk=job.pk)
    try:
        with (
            LeaseKeeper(EditJob, job.pk, worker) as lease,
            tempfile.TemporaryDirectory(
                prefix=f"job-{job.pk}-", dir=settings.ASSET_SPOOL_DIR
            ) as folder,
        ):
            rendered = _render(job, Path(folder), lease)
            stamped = _stamp(job, rendered, decision, evaluation, Path(folder))
            _complete(job.pk, stamped, worker)
    except LeaseLost:
        log.warning("Edit job %s was taken from %s; its render is dropped.", job.pk, worker)
    except JobCancelled:
        _end(JobStatus.CANCELLED, "Cancelled while running.")
    except WeightsMismatch as exc:
        _end(JobStatus.FAILED, str(exc))
    except Exception as exc:
        log.exception("Edit job %s failed", job.pk)
        _end(JobStatus.FAILED, f"{type(exc).__name__}: {exc}")
    return EditJob.objects.get(pk=job.pk)


def _mask_for(job: EditJob, size):
    if job.mask_id:
        return asset_mask(job.mask)
    if job.mask_polygons:
        return polygons_mask(job.mask_polygons, size)
    return None


def _render(job: EditJob, folder: Path, lease: LeaseKeeper) -> tuple[Path, str]:
    op = get_operation(job.operation)
    source = job.inputs.get()
    progress = Progress(EditJob, job.pk, lease)
    progress.report("loading model", 0.0, force=True)
    adapters = [
        (link.adapter, link.weight) for link in job.editjobadapter_set.select_related("adapter")
    ]
    pipeline = pipeline_cache().get(job.model_version, adapters) if job.model_version_id else None
    mime = output_mime(source.mime_type)
    target = folder / f"render{OUTPUT_SUFFIX.get(source.mime_type, '.bin')}"
    frames = range(
        job.parameters.get("frame_start", 0),
        job.parameters.get("frame_end", source.frame_count or 1),
    )
    total = max(1, len(frames))

    def context(index: int) -> FrameContext:
        done = max(0, index - frames.start) / total if source.kind == AssetKind.VIDEO else 0.0

        def on_step(fraction: float) -> None:
            progress.check_cancel()
            progress.report("editing", done + fraction / total)

        return FrameContext(
            prompt=job.prompt,
            negative_prompt=job.negative_prompt,
            params=job.parameters,
            seed=job.seed + index,
            pipeline=pipeline,
            on_step=on_step,
            max_side=job.model_version.max_side if job.model_version_id else 0,
        )

    with LocalCopy(source.storage_key) as path, exclusive(pipeline):
        mask = _mask_for(job, (source.width, source.height))
        if source.kind == AssetKind.VIDEO:
            edit_clip(
                path, target, op, mask, context, frames, on_frame=lambda i: progress.check_cancel()
            )
        else:
            edit_still(path, target, source.mime_type, op, mask, context)
    progress.report("stamping", 1.0, force=True)
    return target, mime


def _fps(rate: str) -> float | None:
    try:
        value = float(Fraction(rate))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def _region(job: EditJob, op, source) -> dict | None:
    """The mask's bounding rectangle in the input's pixels, for the credentials' ``changes``."""
    if not op.needs_mask or not (job.mask_id or job.mask_polygons):
        return None
    box = _mask_for(job, (source.width, source.height)).point(lambda v: 255 if v >= 128 else 0)
    bbox = box.getbbox()
    if bbox is None:
        return None
    left, top, right, bottom = bbox
    return {
        "x": left,
        "y": top,
        "width": right - left,
        "height": bottom - top,
        "inside": op.edits_inside_mask,
    }


def _facts(job: EditJob, decision, evaluation, title: str) -> OutputFacts:
    model = job.model_version
    op = get_operation(job.operation)
    source = job.inputs.get()
    adapters = tuple(
        AdapterFacts(
            a.pk,
            a.name,
            a.weights_sha256,
            a.training_ledger_sha256,
            tuple((a.training_run.ledger or {}).get("assets", [])) if a.training_run_id else (),
        )
        for a in job.adapters.select_related("training_run")
    )
    frames = (
        ((job.parameters["frame_start"], job.parameters["frame_end"]),)
        if "frame_start" in job.parameters
        else ()
    )
    return OutputFacts(
        title=title,
        operation=op.label,
        action=op.c2pa_action,
        digital_source_type=op.digital_source_type,
        fps=_fps(source.fps) if source.fps else None,
        region=_region(job, op, source),
        model=ModelFacts(model.pk, model.family, model.version, model.weights_sha256)
        if model
        else None,
        adapters=adapters,
        job_id=job.pk,
        seed=job.seed,
        frame_ranges=frames,
        parameters=job.parameters,
        grants=tuple(r.refs for r in decision.relied_on if r.code == "grant"),
        consents=tuple(r.refs for r in decision.relied_on if r.code == "consent"),
        gate_evaluation_id=evaluation.pk,
        training_mining=training_mining_terms(
            asset_ids=list(job.inputs.values_list("pk", flat=True)),
            production_id=job.production_id,
            at=timezone.now(),
        ),
    )


def _stamp(job, rendered, decision, evaluation, folder: Path) -> tuple[Path, Path | None]:
    path, mime = rendered
    source = job.inputs.get()
    title = f"{Path(source.original_filename).stem}_{job.operation}_job{job.pk}{path.suffix}"
    stamped = output_stamp(
        source=path,
        target=folder / title,
        mime_type=mime,
        facts=_facts(job, decision, evaluation, title),
        inputs=[(source, "parentOf")],
    )
    return stamped.path, stamped.sidecar


def _complete(job_id: int, stamped: tuple[Path, Path | None], worker: str) -> None:
    """Register the output and finish the job under its row lock, if this worker still holds it: a
    second delivery of the same job finds it finished (or taken over) and leaves its own render
    unregistered, so there is one output, one event."""
    path, sidecar = stamped
    # The render sits in the spool folder: hashed here, before the row lock, and moved, not copied.
    # What a kill leaves: before asset_ingest places the output, the render in its job-<pk>- spool
    # folder (the spool janitor's); after it is placed and before this transaction commits, that
    # one output in storage (its original, and its .c2pa sidecar beside it) with no row, which
    # `manage.py storage_orphans` lists, or a later run rendering the same bytes adopts.
    incoming = spool_in_place(path)
    with transaction.atomic():
        job = EditJob.objects.select_for_update().get(pk=job_id)
        if job.status in FINISHED or job.output_id or not holds(job, worker):
            return
        source = job.inputs.get()
        output = asset_ingest(
            actor=WORKER,
            production=job.production,
            source=incoming,
            filename=path.name,
            origin=AssetOrigin.AI_OUTPUT,
            sidecar=sidecar,
        ).asset
        inputs = [(LineageNode.ASSET, source.pk, "parentOf")]
        if job.mask_id:
            inputs.append((LineageNode.ASSET, job.mask_id, "mask"))
        if job.model_version_id:
            inputs.append((LineageNode.MODEL_VERSION, job.model_version_id, "model"))
        inputs += [
            (LineageNode.ADAPTER, a, "adapter") for a in job.adapters.values_list("pk", flat=True)
        ]
        derivation_record(
            actor=WORKER,
            production=job.production,
            output=(LineageNode.ASSET, output.pk),
            inputs=inputs,
            activity=("edit_job", job.pk),
        )
        job.output, job.progress_percent, job.progress_stage = output, 100, "done"
        job.save(update_fields=["output", "progress_percent", "progress_stage", "updated_at"])
        _finish(job, JobStatus.SUCCEEDED)
