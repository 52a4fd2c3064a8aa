"""However often a job's task is delivered, and even when its worker dies mid-job, a job ends with
exactly one output asset and one completion event."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from assets.models import Asset, Derivation
from editing.models import EditJob
from editing.services import edit_job_execute, edit_job_submit
from studio.correlation import correlation_scope
from studio.models import AuditEvent
from tests.worker.conftest import MASK

ROOT = Path(__file__).resolve().parents[2]


def _submit(coordinator, production, clip, model, **parameters):
    return edit_job_submit(
        actor=coordinator,
        production=production,
        operation="remove_object",
        inputs=[clip],
        territory="US",
        media="svod",
        mask_polygons=MASK,
        prompt="clean",
        model_version=model,
        parameters={"steps": 2, **parameters},
        seed=5,
    )


def _outcome(job):
    outputs = set(
        Derivation.objects.filter(activity_type="edit_job", activity_id=job.pk).values_list(
            "output_id", flat=True
        )
    )
    events = AuditEvent.objects.filter(
        action="editing.job.succeeded", target_id=str(job.pk)
    ).count()
    return outputs, events


def test_a_task_delivered_twice_leaves_one_output(production, member, cleared_clip, model, broker):
    coordinator = member("coordinator", production)
    job = _submit(coordinator, production, cleared_clip, model, frame_start=0, frame_end=4)

    first = edit_job_execute(job_id=job.pk, worker="a")
    second = edit_job_execute(job_id=job.pk, worker="b")

    outputs, events = _outcome(job)
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert outputs == {first.output_id}
    assert events == 1
    assert Asset.objects.filter(origin="ai_output").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_run_once_and_leave_one_output(
    production, member, cleared_clip, model, broker
):
    coordinator = member("coordinator", production)
    job = _submit(coordinator, production, cleared_clip, model, frame_start=0, frame_end=4)
    results, start = [], threading.Barrier(2)

    def deliver(name):
        try:
            start.wait()
            results.append(edit_job_execute(job_id=job.pk, worker=name).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One delivery took the job's lease and ran it; the other found the lease live and dropped.
    outputs, events = _outcome(job)
    assert "succeeded" in results
    assert EditJob.objects.get(pk=job.pk).status == "succeeded"
    assert (
        AuditEvent.objects.filter(action="editing.job.started", target_id=str(job.pk)).count() == 1
    )
    assert len(outputs) == 1
    assert events == 1


def _worker_env() -> dict:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{Path(db['NAME']).resolve()}"
    return os.environ | {"DJANGO_SETTINGS_MODULE": "studio.settings_test", "DATABASE_URL": url}


@pytest.fixture
def gpu_worker(environment):
    """A real Celery worker on the gpu queue (prefork, one child), on this test's database."""
    name = f"gpu-{uuid.uuid4().hex[:8]}@%h"
    log = open(Path(settings.VAR_DIR) / f"worker-{uuid.uuid4().hex[:6]}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "studio",
            "worker",
            "-Q",
            "gpu",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=_worker_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    print(log.read()[-4000:])  # shown by pytest when the test fails
    log.close()


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_is_redelivered_and_finishes_once(
    production, member, cleared_clip, model, gpu_worker
):
    coordinator = member("coordinator", production)

    with correlation_scope("drill-sigkill-0001"):
        # The real broker; a short range keeps the redelivered run brief on a busy machine.
        job = _submit(
            coordinator, production, cleared_clip, model, steps=3, frame_start=0, frame_end=16
        )

    def running_child():
        current = EditJob.objects.get(pk=job.pk)
        if current.status == "running" and current.progress_percent >= 5 and current.worker:
            return int(current.worker.rsplit(":", 1)[1])
        return None

    child = _wait_for(running_child, 240, "the job to start on the worker")
    os.kill(child, signal.SIGKILL)
    done = _wait_for(
        lambda: EditJob.objects.filter(pk=job.pk, status="succeeded").first(),
        360,
        "the redelivered job to finish",
    )

    outputs, events = _outcome(job)
    assert done.attempts >= 2
    assert done.worker != f"{done.worker.rsplit(':', 1)[0]}:{child}"
    assert outputs == {done.output_id}
    assert events == 1
    assert Asset.objects.filter(origin="ai_output", production=production).count() == 1
    # The id of the action that queued the job crossed into both worker children.
    succeeded = AuditEvent.objects.get(action="editing.job.succeeded", target_id=str(job.pk))
    assert succeeded.correlation_id == "drill-sigkill-0001"
