"""Editing latency: submit → start over the configured broker vs a bare Celery round trip, and a
cold pipeline load vs a cache hit, measured in the same run. The GPU benchmark (an SD-1.5-sized
inpaint at 512² × 30 steps in fp16) runs only where CUDA is present."""

import datetime as dt
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from bench.harness import print_table, start_worker

RUNS = 20
SETTLE_SECONDS = 0.2


def _percentiles(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def ping_once() -> float:
    """Seconds of one no-op Celery round trip (send → result)."""
    from studio.tasks import ping

    start = time.perf_counter()
    ping.delay(uuid.uuid4().hex).get(timeout=120)
    return time.perf_counter() - start


def settle() -> None:
    """Let the worker finish the task before (acknowledging it, closing its connection), so each
    job and each no-op is sent to an idle worker."""
    time.sleep(SETTLE_SECONDS)


_WORLD: list[tuple] = []


def _world(folder: Path):
    """A production, a license for edits and a still to edit; made once per run and shared by the
    benchmarks that submit edits (``edit``, ``queue``)."""
    if not _WORLD:
        _WORLD.append(_make_world(folder))
    return _WORLD[0]


def _make_world(folder: Path):
    from assets.services import asset_ingest
    from assets.synthetic import make_still
    from licensing.models import Grant, License, Party
    from studio.models import Production

    user = get_user_model().objects.create_superuser("bench-editor", "b@example.test", None)
    production = Production.objects.create(code="BENCHEDIT", name="Edit benchmark")
    party = Party.objects.create(name="Bench studio")
    license = License.objects.create(
        production=production,
        reference="BENCH-EDIT",
        title="b",
        licensor=party,
        licensee=party,
        status="active",
        coverage="production",
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    Grant.objects.create(license=license, action="edit")
    still = asset_ingest(
        actor=user,
        production=production,
        source=make_still(folder / "s.png", size=(64, 48)),
        filename="s.png",
    ).asset
    return user, production, still


def submit_and_wait(user, production, still, seed: int, *, poll: float = 0.01):
    """Submit a regrain of the still and wait (up to two minutes) until the worker has finished it;
    a job that did not succeed stops the benchmark."""
    from editing.models import EditJob
    from editing.services import edit_job_submit

    job = edit_job_submit(
        actor=user,
        production=production,
        operation="regrain",
        inputs=[still],
        territory="US",
        media="svod",
        seed=seed,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = EditJob.objects.get(pk=job.pk)
        if job.status in ("succeeded", "failed", "denied"):
            break
        time.sleep(poll)
    if job.status != "succeeded":
        raise RuntimeError(f"Edit job {job.pk} ended {job.status}: {job.error or 'no error'}")
    return job


def _submit_to_start(runs: int, folder: Path) -> tuple[list[float], list[float]]:
    """A no-op round trip, then an edit job, ``runs`` times, so both meet the machine as it is
    then; the first of each warms the worker's imports."""
    user, production, still = _world(folder)
    ping_once()
    submit_and_wait(user, production, still, 0)
    pings, latencies = [], []
    for index in range(1, runs + 1):
        settle()
        pings.append(ping_once())
        settle()
        job = submit_and_wait(user, production, still, index)
        latencies.append((job.started_at - job.queued_at).total_seconds())
    return pings, latencies


def _pipeline_load() -> tuple[float, float]:
    from editing.pipelines import PipelineCache
    from editing.services import model_register
    from editing.tiny import build_tiny_pipeline
    from studio.actors import SystemActor

    folder = Path(settings.VAR_DIR) / "models" / "bench-tiny-inpaint"
    build_tiny_pipeline("inpaint", folder)
    model = model_register(
        actor=SystemActor("bench"),
        family="bench-tiny",
        version="1",
        task="inpaint",
        location=folder,
        max_side=64,
    )
    cache = PipelineCache(2)
    start = time.perf_counter()
    cache.get(model)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    cache.get(model)
    return cold, time.perf_counter() - start


def run(*, scale: float = 1.0) -> None:
    runs = max(5, int(RUNS * scale))
    settings.DEBUG = False  # submitting as the web process does: no query log
    worker = start_worker()
    try:
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
            pings, latencies = _submit_to_start(runs, Path(folder))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    (ping50, ping95), (lat50, lat95) = _percentiles(pings), _percentiles(latencies)
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    print_table(
        f"Submit → start over the {broker} broker ({runs} jobs) vs a bare Celery round trip",
        ["", "p50", "p95"],
        [
            ["edit job: queued → started", f"{lat50 * 1000:.1f} ms", f"{lat95 * 1000:.1f} ms"],
            ["no-op task: send → result", f"{ping50 * 1000:.1f} ms", f"{ping95 * 1000:.1f} ms"],
            ["ratio", f"{lat50 / ping50:.2f}", f"{lat95 / ping95:.2f}"],
        ],
    )
    cold, hit = _pipeline_load()
    print_table(
        "Pipeline load (tiny inpaint model, CPU)",
        ["cold load (hash + load)", "cache hit", "ratio"],
        [[f"{cold * 1000:.1f} ms", f"{hit * 1000:.3f} ms", f"{cold / hit:,.0f}×"]],
    )
    import torch

    if not torch.cuda.is_available():
        print(
            "No CUDA device here: the GPU benchmark (SD-1.5-sized inpaint, 512², 30 steps, fp16) was not run."
        )
