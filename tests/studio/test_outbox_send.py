"""The send right after commit: the row is taken (marked sent) and committed before the publish, so
a worker that receives the message marks it started without waiting for the sender; a failed
publish puts it back; a sender that dies in between leaves a row the dispatcher sends again."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from studio import queues
from studio.models import OutboxMessage
from studio.outbox import Outcome, outbox_dispatch, outbox_send, outbox_started
from studio.queues import enqueue

TASK = "studio.ping"


class SenderKilled(BaseException):
    """The sending process ends between taking its row and publishing (SIGKILL, OOM)."""


def _other_connection_marks_started(message_id: int) -> bool:
    """What a worker does on receipt, from a connection of its own that gives up after 2 s rather
    than wait for a lock."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
            cursor.execute(
                f"UPDATE {OutboxMessage._meta.db_table} SET started_at = now() "
                "WHERE id = %s AND started_at IS NULL",
                [message_id],
            )
            return cursor.rowcount == 1
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_a_worker_marks_the_message_started_while_the_sender_is_still_publishing(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("a second connection's lock timeout needs PostgreSQL")
    seen = []

    def publish(task_name, args, *, outbox_id, **kwargs):
        # The broker has the message; its worker begins before the sender has returned.
        seen.append(_other_connection_marks_started(outbox_id))

    monkeypatch.setattr(queues, "publish", publish)
    with transaction.atomic():
        enqueue(TASK, "n1")

    assert seen == [True]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 1)
    assert message.started_at is not None
    assert outbox_dispatch() == Counter()


@pytest.mark.django_db
def test_a_row_taken_by_another_sender_is_not_published_again(broker):
    message = OutboxMessage.objects.create(task_name=TASK, args=["n1"])
    assert outbox_send(message) is Outcome.SENT
    assert outbox_send(message) is Outcome.SKIPPED
    assert len(broker.messages) == 1


@pytest.mark.django_db
def test_a_publish_that_failed_but_reached_a_worker_stays_sent(monkeypatch):
    message = OutboxMessage.objects.create(task_name=TASK, args=["n1"])

    def publish(task_name, args, *, outbox_id, **kwargs):
        outbox_started(outbox_id)  # the message got through ...
        raise TimeoutError("no answer from the broker")  # ... but its answer did not

    monkeypatch.setattr(queues, "publish", publish)
    assert outbox_send(message) is Outcome.SKIPPED

    message.refresh_from_db()
    assert (message.status, message.last_error) == ("sent", "")
    assert message.started_at is not None
    assert outbox_dispatch() == Counter()


@pytest.mark.django_db
def test_a_sender_killed_between_taking_and_publishing_is_covered_by_the_resend(
    broker, monkeypatch, settings
):
    settings.OUTBOX_RESEND_AFTER_SECONDS = 60
    message = OutboxMessage.objects.create(task_name=TASK, args=["n1"])

    def killed(*args, **kwargs):
        raise SenderKilled

    monkeypatch.setattr(queues, "publish", killed)
    with pytest.raises(SenderKilled):
        outbox_send(message)
    monkeypatch.setattr(queues, "publish", broker.publish)

    message.refresh_from_db()
    assert (message.status, message.started_at) == ("sent", None)
    assert outbox_dispatch() == Counter()  # not before the resend wait

    back = dt.timedelta(seconds=61)
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=message.sent_at - back, next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert outbox_dispatch() == Counter({Outcome.RESENT: 1})
    assert [m.args for m in broker.messages] == [("n1",)]
    assert outbox_dispatch() == Counter()


@pytest.mark.django_db
def test_a_resent_message_for_a_task_no_longer_registered_is_given_up(broker):
    message = OutboxMessage.objects.create(
        task_name="studio.no_such_task", args=[1], status="sent", sent_at=timezone.now()
    )
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert outbox_dispatch() == Counter({Outcome.FAILED: 1})

    message.refresh_from_db()
    assert (message.status, message.sent_at) == ("failed", None)
    assert message.last_error == "No task is registered as 'studio.no_such_task'."
    assert broker.messages == []
