"""However often a job's task is delivered, a job ends with exactly one output asset and one
completion event. (Workers killed mid-job: tests/faults/.)"""

import threading
from pathlib import Path

import pytest
from django.db import connections

from assets.models import Asset, Derivation
from editing.models import EditJob
from editing.services import edit_job_execute, edit_job_submit
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
