"""A sent message no worker has begun is sent again after a while (the broker may have lost it);
one a worker has begun is not. The wait doubles with each resend, and resends are bounded."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from studio.models import OutboxMessage
from studio.outbox import Outcome, outbox_dispatch, outbox_started
from studio.queues import OUTBOX_HEADER, enqueue
from studio.tasks import ping

TASK = "studio.ping"

pytestmark = pytest.mark.django_db


@pytest.fixture
def resend_settings(settings):
    settings.OUTBOX_RESEND_AFTER_SECONDS, settings.OUTBOX_MAX_RESENDS = 60, 2
    return settings


@pytest.fixture
def sent(broker, resend_settings, django_capture_on_commit_callbacks) -> OutboxMessage:
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "n1")
    return OutboxMessage.objects.get()


def _age(message: OutboxMessage, seconds: float) -> None:
    """Move the row's clock back, as if it had been sent ``seconds`` ago."""
    message.refresh_from_db()
    back = dt.timedelta(seconds=seconds)
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=message.sent_at - back,
        next_attempt_at=message.next_attempt_at - back,
        not_before=message.not_before - back,
    )


def test_a_sent_message_carries_its_row_and_is_due_for_a_resend_later(sent, broker):
    [published] = broker.messages
    assert published.outbox_id == sent.pk
    assert sent.started_at is None
    assert sent.next_attempt_at - sent.sent_at == dt.timedelta(seconds=60)


def test_a_message_no_worker_started_is_sent_again_after_the_wait(sent, broker):
    _age(sent, 59)
    assert outbox_dispatch() == Counter()

    _age(sent, 2)
    assert outbox_dispatch() == Counter({Outcome.RESENT: 1})

    sent.refresh_from_db()
    assert (sent.status, sent.resends, sent.attempts) == ("sent", 1, 2)
    assert [m.outbox_id for m in broker.messages] == [sent.pk, sent.pk]
    # The next wait is twice as long.
    assert sent.next_attempt_at - sent.sent_at == dt.timedelta(seconds=120)
    assert outbox_dispatch() == Counter()


def test_a_message_a_worker_began_is_not_sent_again(sent, broker):
    # What the worker does when it begins the task (CorrelatedTask, from the message's header).
    ping.apply(args=["n1"], headers={OUTBOX_HEADER: sent.pk})
    sent.refresh_from_db()
    assert sent.started_at is not None

    _age(sent, 3600)
    assert outbox_dispatch() == Counter()
    assert len(broker.messages) == 1
    # Only the first start is kept.
    first = sent.started_at
    assert outbox_started(sent.pk, now=timezone.now() + dt.timedelta(hours=1)) is False
    sent.refresh_from_db()
    assert sent.started_at == first


def test_resends_stop_after_the_configured_number(sent, broker):
    for _ in range(4):
        _age(sent, 3600)
        outbox_dispatch()

    sent.refresh_from_db()
    assert sent.resends == 2
    assert len(broker.messages) == 3
    assert sent.started_at is None  # the admin shows it was never started


def test_a_pending_row_a_worker_already_began_is_marked_sent_without_a_second_publish(
    broker, resend_settings
):
    # The publish reached the broker but its answer was lost: the row stayed pending.
    message = OutboxMessage.objects.create(task_name=TASK, args=["n1"])
    outbox_started(message.pk)

    assert outbox_dispatch() == Counter({Outcome.SKIPPED: 1})

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 0)
    assert broker.messages == []


def test_the_resend_wait_counts_from_the_end_of_a_countdown(
    broker, resend_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "later", countdown=600)

    message = OutboxMessage.objects.get()
    assert message.next_attempt_at == message.not_before + dt.timedelta(seconds=60)
