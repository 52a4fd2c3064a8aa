"""An edit submitted while the broker is down is answered 202, kept in the outbox, and runs once the
dispatcher sends it; a message sent twice still leaves one output."""

from collections import Counter

import pytest
from django.db import OperationalError
from django.utils import timezone
from rest_framework.test import APIClient

from editing.models import EditJob
from editing.services import lifecycle
from editing.tasks import run_edit_job
from studio import queues
from studio.models import AuditEvent, OutboxMessage
from studio.outbox import Outcome, outbox_dispatch
from studio.queues import CORRELATION_HEADER, OUTBOX_HEADER
from tests.worker.conftest import MASK
from tests.worker.test_exactly_once import _outcome

RUN_EDIT_JOB = "editing.gpu.run_edit_job"


def _payload(clip) -> dict:
    return {
        "production": "ALPHA",
        "operation": "remove_object",
        "inputs": [clip.pk],
        "territory": "US",
        "media": "svod",
        "mask_polygons": MASK,
        "prompt": "clean",
        "parameters": {"steps": 2, "frame_start": 0, "frame_end": 4},
        "seed": 5,
    }


def _run(message) -> None:
    """What a worker does with the message."""
    run_edit_job.apply(args=message.args, headers={CORRELATION_HEADER: message.correlation_id})


@pytest.fixture
def coordinator_client(production, member):
    client = APIClient()
    client.force_login(member("coordinator", production))
    return client


def test_an_edit_submitted_while_the_broker_is_down_runs_once_the_dispatcher_sends_it(
    coordinator_client, cleared_clip, model, broker, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Connection refused.")

    monkeypatch.setattr(queues, "publish", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/edits/", _payload(cleared_clip), format="json")

    assert response.status_code == 202, response.content
    job = EditJob.objects.get()
    row = OutboxMessage.objects.get(task_name=RUN_EDIT_JOB)
    assert (row.status, row.args) == ("pending", [job.pk])
    assert "Connection refused." in row.last_error
    assert job.status == "queued"

    monkeypatch.setattr(queues, "publish", broker.publish)  # the broker is back
    OutboxMessage.objects.update(next_attempt_at=row.created_at)
    assert outbox_dispatch()[Outcome.SENT] >= 1
    [message] = [m for m in broker.messages if m.task == RUN_EDIT_JOB]
    _run(message)

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    outputs, events = _outcome(job)
    assert (len(outputs), events) == (1, 1)


def test_a_message_sent_twice_leaves_one_output(
    coordinator_client, cleared_clip, model, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/edits/", _payload(cleared_clip), format="json")
    assert response.status_code == 202, response.content
    # The publish reached the broker but its answer was lost: the row is sent again.
    OutboxMessage.objects.filter(task_name=RUN_EDIT_JOB).update(
        status="pending", sent_at=None, next_attempt_at=timezone.now()
    )
    assert outbox_dispatch()[Outcome.SENT] >= 1  # with the ingest's derivatives message

    messages = [m for m in broker.messages if m.task == RUN_EDIT_JOB]
    assert Counter(m.args for m in messages) == Counter({(EditJob.objects.get().pk,): 2})
    for message in messages:
        _run(message)

    job = EditJob.objects.get()
    assert job.status == "succeeded", job.error
    outputs, events = _outcome(job)
    assert (len(outputs), events) == (1, 1)


def test_a_message_resent_because_no_worker_had_started_it_leaves_one_output(
    coordinator_client, cleared_clip, model, broker, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_RESEND_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/edits/", _payload(cleared_clip), format="json")
    assert response.status_code == 202, response.content
    # No worker began it within the wait (the broker lost it, or the queue was long): sent again.
    row = OutboxMessage.objects.get(task_name=RUN_EDIT_JOB)
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.sent_at)
    assert outbox_dispatch()[Outcome.RESENT] == 1

    messages = [m for m in broker.messages if m.task == RUN_EDIT_JOB]
    assert [m.outbox_id for m in messages] == [row.pk, row.pk]
    for message in messages:  # both copies reach a worker
        run_edit_job.apply(
            args=message.args,
            headers={CORRELATION_HEADER: message.correlation_id, OUTBOX_HEADER: message.outbox_id},
        )

    job = EditJob.objects.get()
    assert job.status == "succeeded", job.error
    outputs, events = _outcome(job)
    assert (len(outputs), events) == (1, 1)
    assert (
        AuditEvent.objects.filter(action="editing.job.started", target_id=str(job.pk)).count() == 1
    )
    row.refresh_from_db()
    assert row.started_at is not None


def _deliver(message):
    """What a worker does with a message sent from the outbox (both headers)."""
    return run_edit_job.apply(
        args=message.args,
        headers={CORRELATION_HEADER: message.correlation_id, OUTBOX_HEADER: message.outbox_id},
    )


def test_a_claim_that_fails_leaves_its_message_to_be_sent_again(
    coordinator_client,
    cleared_clip,
    model,
    broker,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.OUTBOX_RESEND_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/edits/", _payload(cleared_clip), format="json")
    assert response.status_code == 202, response.content
    [message] = [m for m in broker.messages if m.task == RUN_EDIT_JOB]

    # The database fails half-way through the claim (a failover, a statement timeout): the claim's
    # transaction rolls back, the task fails, and its message is acknowledged.
    def fail(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    recorded = lifecycle.audit_record
    monkeypatch.setattr(lifecycle, "audit_record", fail)
    result = _deliver(message)
    monkeypatch.setattr(lifecycle, "audit_record", recorded)

    assert isinstance(result.result, OperationalError)
    job = EditJob.objects.get()
    row = OutboxMessage.objects.get(task_name=RUN_EDIT_JOB)
    assert (job.status, job.attempts) == ("queued", 0)
    assert row.started_at is None  # not started: the dispatcher sends it again after the wait

    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.sent_at)
    assert outbox_dispatch()[Outcome.RESENT] == 1
    resent = [m for m in broker.messages if m.task == RUN_EDIT_JOB][-1]
    assert resent.outbox_id == row.pk
    _deliver(resent)

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    outputs, events = _outcome(job)
    assert (len(outputs), events) == (1, 1)
    row.refresh_from_db()
    assert row.started_at is not None


def test_a_delivery_the_claim_refuses_still_marks_its_message_started(
    coordinator_client, cleared_clip, model, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/edits/", _payload(cleared_clip), format="json")
    assert response.status_code == 202, response.content
    [message] = [m for m in broker.messages if m.task == RUN_EDIT_JOB]
    EditJob.objects.update(cancel_requested=True)  # cancelled before any worker took it

    _deliver(message)

    assert EditJob.objects.get().status == "cancelled"
    assert OutboxMessage.objects.get(task_name=RUN_EDIT_JOB).started_at is not None
