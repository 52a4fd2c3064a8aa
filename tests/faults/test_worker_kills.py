"""Workers killed mid-job: a killed child's job is redelivered and finished once; a whole worker
killed leaves its job to its lease, which runs out, and the job is finished once by another worker.
Nothing is left in the spool once it is swept."""

import os
import random
import signal
import time

import pytest

from assets.janitor import spool_clean
from assets.models import Asset, Derivation
from editing.models import EditJob
from editing.services import edit_job_submit
from editing.services.orphans import leases_expire
from studio.correlation import correlation_scope
from studio.models import AuditEvent
from tests.faults.conftest import spool_entries, wait_for

pytestmark = pytest.mark.slow

TRIALS = 10
SEED = int(os.environ.get("FAULT_SEED", "1414"))


def _submit(coordinator, production, clip, *, frames: int):
    return edit_job_submit(
        actor=coordinator,
        production=production,
        operation="regrain",
        inputs=[clip],
        territory="US",
        media="svod",
        parameters={"frame_start": 0, "frame_end": frames},
        seed=7,
    )


def _once(job) -> EditJob:
    """The job finished with one output and one completion event, however often it ran."""
    job = EditJob.objects.get(pk=job.pk)
    outputs = set(
        Derivation.objects.filter(activity_type="edit_job", activity_id=job.pk).values_list(
            "output_id", flat=True
        )
    )
    succeeded = AuditEvent.objects.filter(action="editing.job.succeeded", target_id=str(job.pk))
    assert job.status == "succeeded", job.error
    assert outputs == {job.output_id}
    assert succeeded.count() == 1
    return job


def _running_pid(job) -> int | None:
    current = EditJob.objects.filter(pk=job.pk).values("status", "worker").get()
    if current["status"] == "running" and current["worker"]:
        return int(current["worker"].rsplit(":", 1)[1])
    return None


def _kill_at(job, child: int, target: float) -> str | None:
    """SIGKILL the child once the job's progress reaches ``target`` percent (past 100: once it is
    stamping and registering); returns where it landed, or None when the job ended first."""
    while True:
        now = EditJob.objects.filter(pk=job.pk).values(
            "status", "progress_percent", "progress_stage"
        )
        state = now.get()
        if state["status"] != "running":
            return None
        if state["progress_percent"] >= target or state["progress_stage"] == "stamping":
            os.kill(child, signal.SIGKILL)
            return f"{state['progress_stage']} {state['progress_percent']}%"
        time.sleep(0.01)


def test_a_worker_child_killed_at_random_points_finishes_each_job_exactly_once(
    production, member, edit_clip, workers
):
    coordinator = member("coordinator", production)
    rng = random.Random(SEED)  # noqa: S311  (kill times, not secrets)
    workers("gpu", EDITING_PROGRESS_INTERVAL_SECONDS="0.02")
    jobs, killed = [], []

    for trial in range(TRIALS):
        with correlation_scope(f"drill-sigkill-{trial:04d}"):
            job = _submit(coordinator, production, edit_clip, frames=72)
        child = wait_for(lambda job=job: _running_pid(job), 120, f"trial {trial} to start")
        # Anywhere in the job: rendering (at a random frame), stamping, registering the output.
        where = _kill_at(job, child, target=rng.uniform(0, 130))
        if where:
            killed.append(where)
        wait_for(
            lambda job=job: EditJob.objects.filter(pk=job.pk, status="succeeded").exists(),
            120,
            f"trial {trial} to finish",
        )
        jobs.append(_once(job))

    assert len(killed) >= TRIALS // 2, f"kills mid-job: {killed} (seed {SEED})"
    assert Asset.objects.filter(origin="ai_output", production=production).count() == TRIALS
    assert sum(j.attempts >= 2 for j in jobs) >= len(killed) - 1
    # The id of the action that queued each job crossed into every child that ran it.
    for trial, job in enumerate(jobs):
        events = AuditEvent.objects.filter(target_id=str(job.pk), action__startswith="editing.job.")
        assert set(events.values_list("correlation_id", flat=True)) == {
            f"drill-sigkill-{trial:04d}"
        }
    # What the kills left in the spool goes with the next sweep; nothing else was owned by them.
    spool_clean(grace=0)
    for job in jobs:
        assert spool_entries(f"job-{job.pk}-") == []


def test_a_whole_worker_killed_leaves_an_orphan_that_another_worker_finishes_once(
    production, member, edit_clip, workers, api
):
    coordinator = member("coordinator", production)
    first = workers("gpu", EDITING_LEASE_SECONDS="2")
    job = _submit(coordinator, production, edit_clip, frames=72)
    wait_for(lambda: _running_pid(job), 120, "the job to start")

    first.kill_whole()
    # Nothing renews the lease now; the sweep (beat's, run here) finds it run out within seconds.
    wait_for(lambda: leases_expire().get("requeued"), 10, "the lease to run out")

    api.force_login(coordinator)
    shown = api.get(f"/api/v1/edits/{job.pk}/").json()
    assert shown["status"] == "orphaned"
    assert shown["orphaned_at"] is not None
    assert AuditEvent.objects.filter(action="editing.job.orphaned", target_id=str(job.pk)).exists()

    workers("gpu", EDITING_LEASE_SECONDS="2")
    wait_for(
        lambda: EditJob.objects.filter(pk=job.pk, status="succeeded").exists(),
        120,
        "another worker to finish the orphan",
    )
    done = _once(job)
    assert done.attempts == 2
    assert Asset.objects.filter(origin="ai_output", production=production).count() == 1
    spool_clean(grace=0)
    assert spool_entries(f"job-{job.pk}-") == []
