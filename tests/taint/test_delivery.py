"""A taint run reaches everything it affects even when its task fails mid-way: its outbox message is
marked started only with the run's end, so the dispatcher sends it again and the run resumes; one
worker marks a run at a time."""

from collections import Counter

import pytest
from django.db import OperationalError, connection, connections

from licensing.models import TaintRecord, TaintRun
from licensing.services import taint
from licensing.services.taint import taint_propagate
from licensing.tasks import propagate_taint
from studio.actors import SystemActor
from studio.locks import lock_ids
from studio.models import OutboxMessage
from studio.outbox import Outcome, outbox_dispatch
from studio.queues import CORRELATION_HEADER, OUTBOX_HEADER

ACTOR = SystemActor("test")
TASK = "licensing.propagate_taint"
RUNS = "licensing.taintrun"  # the kind ``taint_run_execute`` locks

pytestmark = pytest.mark.django_db


def _deliver(message):
    """What a worker does with a message sent from the outbox."""
    return propagate_taint.apply(
        args=message.args,
        headers={CORRELATION_HEADER: message.correlation_id, OUTBOX_HEADER: message.outbox_id},
    )


@pytest.fixture
def queued(footage, broker, settings, django_capture_on_commit_callbacks):
    """A license's taint run, recorded and sent; its message as the broker got it."""
    settings.OUTBOX_RESEND_AFTER_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        run = taint_propagate(
            actor=ACTOR, cause_type="license", cause_id=footage.license.pk, reason="ended"
        )
    [message] = [m for m in broker.messages if m.task == TASK]
    return run, message


def _row() -> OutboxMessage:
    return OutboxMessage.objects.get(task_name=TASK)


def test_a_run_whose_task_fails_mid_way_is_sent_again_and_finishes(
    queued, footage, broker, monkeypatch
):
    run, message = queued
    real_mark = taint._mark

    def lost(run_, batch):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(taint, "_mark", lost)
    result = _deliver(message)
    monkeypatch.setattr(taint, "_mark", real_mark)

    assert isinstance(result.result, OperationalError)
    assert TaintRun.objects.get(pk=run.pk).status == "running"
    row = _row()
    assert row.started_at is None  # the dispatcher sends it again after the wait

    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.sent_at)
    assert outbox_dispatch() == Counter({Outcome.RESENT: 1})
    resent = [m for m in broker.messages if m.task == TASK][-1]
    assert resent.outbox_id == row.pk
    _deliver(resent)

    run.refresh_from_db()
    assert (run.status, run.processed) == ("done", 6)
    assert TaintRecord.objects.filter(run=run).count() == 6
    assert _row().started_at is not None
    # Delivered once more (a resend that crossed the end): nothing is marked twice.
    _deliver(resent)
    assert TaintRecord.objects.filter(run=run).count() == 6


def test_a_run_being_marked_elsewhere_is_not_run_twice(queued):
    if connection.vendor != "postgresql":
        pytest.skip("the lock that keeps one runner per run is PostgreSQL's")
    run, message = queued
    other = connections.create_connection("default")  # a worker marking the same run
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", lock_ids(RUNS, run.pk))
        _deliver(message)

        run.refresh_from_db()
        assert (run.status, run.processed) == ("pending", 0)
        assert not TaintRecord.objects.filter(run=run).exists()
        assert _row().started_at is None  # the other worker's end marks it
    finally:
        other.close()  # that worker's connection ends, and its lock with it

    _deliver(message)
    run.refresh_from_db()
    assert (run.status, run.processed) == ("done", 6)
    assert _row().started_at is not None
