"""The outbox behind ``enqueue``: a task message is a row written with the change that caused it,
sent after commit, and sent later by the dispatcher when the broker was down — once per row."""

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from studio import queues
from studio.beat import BEAT_SCHEDULE
from studio.celery import dispatch_outbox_on_start
from studio.correlation import correlation_scope
from studio.models import OutboxMessage
from studio.outbox import Outcome, outbox_dispatch, outbox_prune
from studio.queues import enqueue
from studio.tasks import dispatch_outbox

TASK = "studio.ping"  # a registered task; the outbox never runs it, the broker fixture records it

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    """Every publish fails as a broker that cannot be reached does."""

    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(queues, "publish", refuse)


def _due_now():
    OutboxMessage.objects.update(next_attempt_at=timezone.now())


def test_a_message_is_recorded_in_the_callers_transaction_and_sent_after_commit(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue(TASK, "n1", countdown=30)
        assert OutboxMessage.objects.get().status == "pending"
        assert broker.messages == []

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None
    [sent] = broker.messages
    assert (sent.task, sent.args, sent.countdown) == (TASK, ("n1",), 30)


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):  # noqa: PT012
        with transaction.atomic():
            enqueue(TASK, "n1")
            raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()
    assert outbox_dispatch() == Counter()
    assert broker.messages == []


def test_a_failed_publish_is_kept_and_the_dispatcher_sends_it_later_once(
    broker, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "n1")  # does not raise: the change has committed

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error.startswith("ConnectionError: Error 111")
    assert message.next_attempt_at > timezone.now()
    assert outbox_dispatch() == Counter()  # not due yet: backoff

    monkeypatch.setattr(queues, "publish", broker.publish)  # the broker is back
    _due_now()
    assert outbox_dispatch() == Counter({Outcome.SENT: 1})
    assert outbox_dispatch() == Counter()

    assert broker.by_task[TASK] == ["n1"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)


def test_the_backoff_grows_and_a_message_is_given_up_after_its_attempts(
    broker_down, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_RETRY_BASE_SECONDS = 3, 10
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "n1")
    delays = []
    for _ in range(2):
        message = OutboxMessage.objects.get()
        delays.append(round((message.next_attempt_at - message.updated_at).total_seconds()))
        _due_now()
        outbox_dispatch()

    message = OutboxMessage.objects.get()
    assert delays == [10, 20]
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.last_error.startswith("Gave up after 3 attempts. ConnectionError")
    _due_now()
    assert outbox_dispatch() == Counter()


def test_a_message_for_an_unregistered_task_fails_at_once_with_the_reason(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("studio.no_such_task", 1)

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "No task is registered as 'studio.no_such_task'."
    _due_now()
    assert outbox_dispatch() == Counter()
    assert broker.messages == []


def test_a_resent_message_keeps_what_is_left_of_its_countdown(
    broker, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "n1", countdown=600)
    OutboxMessage.objects.update(not_before=timezone.now() + dt.timedelta(seconds=100))
    monkeypatch.setattr(queues, "publish", broker.publish)
    _due_now()

    outbox_dispatch()

    [sent] = broker.messages
    assert 99 <= sent.countdown <= 100


def test_the_correlation_id_travels_with_a_resent_message(
    broker, broker_down, monkeypatch, django_capture_on_commit_callbacks
):
    with correlation_scope("mam-req-42"), django_capture_on_commit_callbacks(execute=True):
        enqueue(TASK, "n1")
    monkeypatch.setattr(queues, "publish", broker.publish)
    _due_now()

    outbox_dispatch()

    assert broker.messages[0].correlation_id == "mam-req-42"


def test_old_sent_rows_are_pruned_and_pending_or_failed_rows_stay():
    now = timezone.now()

    def row(status, sent_days_ago=None):
        sent_at = now - dt.timedelta(days=sent_days_ago) if sent_days_ago is not None else None
        return OutboxMessage.objects.create(task_name=TASK, status=status, sent_at=sent_at).pk

    old, recent = row("sent", 8), row("sent", 6)
    pending, failed = row("pending"), row("failed")

    assert outbox_prune(now=now) == 1

    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent, pending, failed}
    assert old not in set(OutboxMessage.objects.values_list("pk", flat=True))


def test_the_beat_task_and_the_command_dispatch_and_prune(broker, capsys):
    OutboxMessage.objects.create(task_name=TASK, args=["n1"])
    OutboxMessage.objects.create(
        task_name=TASK, status="sent", sent_at=timezone.now() - dt.timedelta(days=30)
    )

    assert dispatch_outbox.apply().get() == {"sent": 1, "pruned": 1}
    OutboxMessage.objects.create(task_name=TASK, args=["n2"])
    call_command("dispatch_outbox")

    assert broker.by_task[TASK] == ["n1", "n2"]
    assert capsys.readouterr().out.strip() == "Outbox: sent 1; pruned 0."
    schedule = BEAT_SCHEDULE["studio-dispatch-outbox"]
    assert (schedule["task"], schedule["schedule"]) == ("studio.dispatch_outbox", 10)


def test_a_starting_worker_asks_for_an_outbox_run(broker):
    dispatch_outbox_on_start(sender=None)

    assert [m.task for m in broker.messages] == ["studio.dispatch_outbox"]


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_row_once(broker, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    OutboxMessage.objects.bulk_create(OutboxMessage(task_name=TASK, args=[n]) for n in range(60))
    recorded, start = broker.publish, threading.Barrier(2)

    def slow_publish(*args, **kwargs):
        time.sleep(0.005)  # long enough for the two dispatchers to overlap
        recorded(*args, **kwargs)

    monkeypatch.setattr(queues, "publish", slow_publish)

    def dispatch():
        try:
            start.wait()
            outbox_dispatch(batch_size=7)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(broker.by_task[TASK]) == list(range(60))
    assert not OutboxMessage.objects.exclude(status="sent").exists()


def test_threads_that_send_while_the_tasks_are_being_discovered_wait_for_the_discovery(
    monkeypatch,
):
    """Celery's discovery returns at once to a thread that calls it while another thread is still
    importing; such a thread must not find the task missing and give its message up."""
    from celery import current_app
    from celery.loaders import base

    import assets.tasks  # noqa: F401  (registers the task this test takes away and gives back)
    from studio import outbox

    name = "assets.make_derivatives"
    task = current_app.tasks[name]
    original = base.find_related_module

    def slow_import(package, related_name):  # a tasks module that takes a while to import
        time.sleep(0.3)
        current_app.tasks.register(task)  # what importing it does
        return original(package, related_name)

    current_app.tasks.unregister(name)
    monkeypatch.setattr(base, "find_related_module", slow_import)
    monkeypatch.setattr(outbox, "_discovered", threading.Event())
    answers = []
    try:
        threads = [
            threading.Thread(target=lambda: answers.append(outbox._is_registered(name)))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if name not in current_app.tasks:
            current_app.tasks.register(task)

    assert answers == [True] * 4
