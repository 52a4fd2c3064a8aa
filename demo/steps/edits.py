"""Demo step for editing: an adapter trained on the dailies, gated AI edits of a still and a clip
(stamped and verified), a restyle with the adapter, and an edit the rights refuse."""

from __future__ import annotations

import io
import time

from django.core.management import call_command
from rich.table import Table

from assets.services import asset_credentials
from demo.context import DemoContext
from editing.choices import FINISHED, JobStatus, ModelTask
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from editing.services import edit_job_execute, edit_job_submit
from editing.services.training import training_run_execute, training_run_submit

BOOM_MIC = [[[470, 0], [560, 0], [560, 60], [470, 60]]]  # the mic dipping into the top of the frame


def wait_finished(ctx: DemoContext, model, run):
    """With a worker running, wait for it; without one (the test suite), play the worker's part."""
    if run.status in FINISHED:
        return run
    if not ctx.ping_worker:
        execute = edit_job_execute if model is EditJob else training_run_execute
        key = "job_id" if model is EditJob else "run_id"
        return execute(**{key: run.pk, "worker": "demo"})
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in FINISHED:
            return run
        time.sleep(0.5)
    raise RuntimeError(f"{run} did not finish within 10 minutes; is the gpu worker running?")


def _train(ctx: DemoContext) -> Adapter:
    existing = Adapter.objects.filter(
        production=ctx.production, name="nightfall-house-style"
    ).first()
    if existing:
        return existing
    model = ModelVersion.objects.get(task=ModelTask.IMG2IMG, family="clearcut-tiny-sd")
    run = training_run_submit(
        actor=ctx.users["cora"],
        production=ctx.production,
        name="nightfall-house-style",
        model_version=model,
        assets=[
            ctx.assets[n] for n in ("shot14B_take1.mp4", "shot22A_still.jpg", "shot30_plate.jpg")
        ],
        caption="house style film",
        parameters={"steps": 20, "resolution": 64},
        seed=14,
        territory="US",
        media="internal",
    )
    run = wait_finished(ctx, TrainingRun, run)
    if run.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"Training {run.status}: {run.error}")
    return run.adapter


def _edit(ctx: DemoContext, key: str, **request):
    job = EditJob.objects.filter(production=ctx.production, idempotency_key=key).first()
    if job is None:
        job = edit_job_submit(
            actor=ctx.users["cora"],
            production=ctx.production,
            territory="US",
            media="svod",
            idempotency_key=key,
            **request,
        )
    return wait_finished(ctx, EditJob, job)


def step_editing(ctx: DemoContext) -> None:
    call_command("make_tiny_model", stdout=io.StringIO())
    adapter = _train(ctx)
    run = adapter.training_run
    ctx.console.print(
        f"[bold]Adapter[/] {adapter.name}: weights {adapter.weights_sha256[:12]}…, trained on "
        f"{len(run.ledger['assets'])} assets, ledger {adapter.training_ledger_sha256[:12]}…"
    )
    still, clip = ctx.assets["shot22A_still.jpg"], ctx.assets["shot14B_take1.mp4"]
    jobs = [
        _edit(
            ctx,
            "demo-still-boom",
            operation="remove_object",
            inputs=[still],
            mask_polygons=BOOM_MIC,
            prompt="clean night sky",
            parameters={"steps": 4},
            seed=7,
        ),
        _edit(
            ctx,
            "demo-clip-boom",
            operation="remove_object",
            inputs=[clip],
            mask_polygons=[[[230, 0], [300, 0], [300, 40], [230, 40]]],
            prompt="clean sky",
            parameters={"steps": 3, "frame_start": 24, "frame_end": 48},
            seed=7,
        ),
        _edit(
            ctx,
            "demo-still-restyle",
            operation="restyle",
            inputs=[still],
            prompt="house style film",
            adapters=[(adapter, 0.8)],
            parameters={"steps": 4, "strength": 0.5},
            seed=7,
        ),
        _edit(
            ctx,
            "demo-take2-denied",
            operation="remove_object",
            inputs=[ctx.assets["shot14B_take2.mp4"]],
            mask_polygons=[[[230, 0], [300, 0], [300, 40], [230, 40]]],
            prompt="clean sky",
            parameters={"steps": 3},
        ),
    ]
    _print_jobs(ctx, jobs)
    ctx.jobs = jobs


def _print_jobs(ctx: DemoContext, jobs) -> None:
    table = Table(title="Edit jobs")
    for column in ("job", "operation", "input", "status", "output", "credentials"):
        table.add_column(column)
    for job in jobs:
        credentials = asset_credentials(asset=job.output).state.upper() if job.output_id else ""
        table.add_row(
            f"#{job.pk}",
            job.operation,
            job.inputs.get().original_filename,
            job.status,
            job.output.original_filename if job.output_id else "",
            credentials,
        )
    ctx.console.print(table)
    for job in jobs:
        if job.status == JobStatus.DENIED:
            ctx.console.print(f"[red]Edit #{job.pk} denied:[/] {job.error}", highlight=False)
