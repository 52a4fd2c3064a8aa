"""The transactional outbox behind ``studio.queues.enqueue``.

``outbox_record`` writes the task message as an ``OutboxMessage`` row in the caller's transaction;
after commit ``outbox_send`` tries it at once, and ``outbox_dispatch`` (beat, ``manage.py
dispatch_outbox``, each worker's start) sends whatever is still pending. Two senders never publish
the same row at once: ``outbox_send`` takes its row with one conditional update (pending → sent)
that commits before the publish, and puts it back if the publish fails; the dispatcher holds each
row's lock (``select_for_update(skip_locked=True)``) while it publishes and marks it sent in the
same transaction.

A sent message carries its row's id (a header), and its task marks the row started: in the
transaction that records its work (``outbox_delivery_started``: an edit job's claim, a taint run's
end, the derivatives' keys, a webhook attempt's outcome), or, for any other task, as it begins
(``outbox_started``, from ``CorrelatedTask``). A sent row not started
``OUTBOX_RESEND_AFTER_SECONDS`` after it was due (doubling with each resend, at most
``OUTBOX_MAX_RESENDS`` times) is sent again by the dispatcher: a broker that lost it (restarted
without persistence, a queue purged), or work that failed before it was recorded, is not lost.

A message can therefore reach a worker twice (a resend of one that was only waiting, a publish that
reached the broker but failed to answer): the tasks are idempotent under their own row locks, so a
duplicate does no second piece of work.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections import Counter
from collections.abc import Sequence
from enum import StrEnum

from celery import current_app
from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from studio import queues
from studio.choices import OutboxStatus
from studio.models import OutboxMessage
from studio.prepared import PreparedInsert, WrittenSql, statement_cursor

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the publish failed; tried again after a backoff
    FAILED = "failed"  # given up: never sendable, or out of attempts
    SKIPPED = "skipped"  # someone else holds or has sent the row
    RESENT = "resent"  # sent again: sent before, but no worker had started it


def outbox_record(
    *, task_name: str, args: Sequence, correlation_id: str | None, countdown: int | None
) -> OutboxMessage:
    """The message as a pending row, in the caller's transaction."""
    now = timezone.now()
    message = OutboxMessage(
        task_name=task_name,
        args=list(args),
        correlation_id=correlation_id or "",
        countdown=countdown,
        not_before=now + dt.timedelta(seconds=countdown or 0),
        next_attempt_at=now,
    )
    return _MESSAGES.insert(message, router.db_for_write(OutboxMessage))


def outbox_send(message: OutboxMessage) -> Outcome:
    """Send a row ``outbox_record`` just wrote, once its transaction has committed, unless another
    sender has taken it.

    The row is taken (marked sent) by one committed statement before the publish, so the worker
    that receives the message marks it started at once instead of waiting for this sender's
    transaction. A publish that fails puts the row back as pending, with its backoff; a sender that
    dies between the two leaves a sent row no worker began, which the dispatcher sends again after
    ``OUTBOX_RESEND_AFTER_SECONDS``, as it does for a message the broker lost.
    """
    if not _is_registered(message.task_name):
        with transaction.atomic():  # given up under the row lock, as the dispatcher would
            locked = _pending().filter(pk=message.pk).first()
            return _send(locked) if locked else Outcome.SKIPPED
    if not _take(message):
        return Outcome.SKIPPED
    try:
        _publish(message)
    except Exception as exc:  # any broker or serialization error: kept on the row, never raised
        return _put_back(message.pk, f"{type(exc).__name__}: {exc}")
    return Outcome.SENT


def _take_sql(connection) -> str:
    quote, meta = connection.ops.quote_name, OutboxMessage._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    assigned = ", ".join(
        f"{column(name)} = %s" for name in ("status", "sent_at", "next_attempt_at", "updated_at")
    )
    return (  # names from the model's metadata, quoted; every value a parameter
        f"UPDATE {quote(meta.db_table)} SET {assigned}, "  # noqa: S608
        f"{column('attempts')} = {column('attempts')} + 1 "
        f"WHERE {column('id')} = %s AND {column('status')} = %s AND {column('started_at')} IS NULL"
    )


_TAKE = WrittenSql(_take_sql)
_MESSAGES = PreparedInsert(OutboxMessage)


def _take(message: OutboxMessage) -> bool:
    """Mark a pending row sent (one committed statement), unless another sender has taken it or a
    worker has begun it: the same conditional UPDATE a QuerySet would write, written once."""
    using = router.db_for_write(OutboxMessage)
    connection = connections[using]
    now = timezone.now()
    moment = connection.ops.adapt_datetimefield_value
    with statement_cursor(connection) as cursor:
        cursor.execute(
            _TAKE.sql(using),
            [
                OutboxStatus.SENT.value,
                moment(now),
                moment(_resend_at(message, now)),
                moment(now),
                message.pk,
                OutboxStatus.PENDING.value,
            ],
        )
        return cursor.rowcount == 1


def outbox_dispatch(*, batch_size: int | None = None) -> Counter:
    """Send the pending rows that are due, oldest first, a locked batch at a time.

    A failed publish ends the run (the broker is most likely down; the next run tries again).
    """
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    outcomes: Counter = Counter()
    for rows in (_pending, _unstarted):
        while True:
            with transaction.atomic():
                batch = list(rows().filter(next_attempt_at__lte=timezone.now())[:batch_size])
                for message in batch:
                    outcome = _send(message)
                    outcomes[outcome] += 1
                    if outcome is Outcome.RETRY:
                        return outcomes
            if len(batch) < batch_size:
                break
    return outcomes


def outbox_started(message_id: int, *, now: dt.datetime | None = None) -> bool:
    """Mark a message's task as begun by a worker (the first time only): it is not sent again."""
    return bool(
        OutboxMessage.objects.filter(pk=message_id, started_at__isnull=True).update(
            started_at=now or timezone.now()
        )
    )


def outbox_delivery_started() -> bool:
    """Mark the row of the message the running task was delivered from (``queues.delivery``) as
    started, in the caller's transaction: the one that records the task's work."""
    message_id = queues.delivered_outbox_id()
    return outbox_started(message_id) if message_id is not None else False


def outbox_prune(*, now: dt.datetime | None = None) -> int:
    """Delete sent rows older than ``OUTBOX_KEEP_DAYS``; pending and failed rows stay."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff).delete()
    return deleted


def _pending():
    return (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(status=OutboxStatus.PENDING)
        .order_by("next_attempt_at", "id")
    )


def _unstarted():
    """Sent rows no worker has begun, whose resend time has come (``next_attempt_at``); one sent
    ``OUTBOX_MAX_RESENDS`` times already is left as it is (the admin shows it never started)."""
    return (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(
            status=OutboxStatus.SENT,
            started_at__isnull=True,
            resends__lt=settings.OUTBOX_MAX_RESENDS,
            # What is due for pruning is not sent again.
            sent_at__gte=timezone.now() - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS),
        )
        .order_by("next_attempt_at", "id")
    )


def _send(message: OutboxMessage) -> Outcome:
    """Publish one locked row (pending, or sent and never started) and record how it went, in the
    caller's transaction."""
    resend = message.status == OutboxStatus.SENT
    if message.started_at is not None:  # a publish that failed to answer reached a worker anyway
        return _mark_sent(message, Outcome.SKIPPED)
    message.attempts += 1
    if not _is_registered(message.task_name):
        return _give_up(message, f"No task is registered as {message.task_name!r}.")
    try:
        _publish(message)
    except Exception as exc:  # any broker or serialization error: kept on the row, never raised
        if resend:  # still sent once; the next dispatcher run tries again
            message.save(update_fields=["attempts", "updated_at"])
            return Outcome.RETRY
        return _retry_later(message, f"{type(exc).__name__}: {exc}")
    if resend:
        message.resends += 1
        log.warning("Sent %s again: no worker had started it.", message)
    return _mark_sent(message, Outcome.RESENT if resend else Outcome.SENT)


def _mark_sent(message: OutboxMessage, outcome: Outcome) -> Outcome:
    """Sent now; sent again at ``next_attempt_at`` unless a worker has begun it by then."""
    now = timezone.now()
    message.status, message.sent_at = OutboxStatus.SENT, now
    message.next_attempt_at = _resend_at(message, now)
    message.save(
        update_fields=["status", "sent_at", "attempts", "resends", "next_attempt_at", "updated_at"]
    )
    return outcome


def _resend_at(message: OutboxMessage, now: dt.datetime) -> dt.datetime:
    """When a message sent ``now`` is sent again if no worker has begun it: the wait doubles with
    each resend, and counts from the end of the caller's countdown."""
    wait = settings.OUTBOX_RESEND_AFTER_SECONDS * 2**message.resends
    return max(now, message.not_before) + dt.timedelta(seconds=wait)


def _put_back(message_id: int, error: str) -> Outcome:
    """A row ``outbox_send`` took whose publish failed: pending again, with its backoff (or given
    up), unless a worker began it anyway (a publish that reached the broker but failed to answer)."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update()
            .filter(pk=message_id, status=OutboxStatus.SENT, started_at__isnull=True)
            .first()
        )
        if message is None:
            return Outcome.SKIPPED
        message.status, message.sent_at = OutboxStatus.PENDING, None
        return _retry_later(message, error)


def _publish(message: OutboxMessage) -> None:
    """Hand the row's message to the broker, carrying the row's id; raises what the broker raises."""
    queues.publish(
        message.task_name,
        tuple(message.args),
        correlation_id=message.correlation_id or None,
        countdown=_countdown(message),
        outbox_id=message.pk,
    )


def _countdown(message: OutboxMessage) -> int | None:
    """What is left of the caller's countdown (a resent message keeps its original start time)."""
    if message.countdown is None:
        return None
    return max(0, math.ceil((message.not_before - timezone.now()).total_seconds()))


def _retry_later(message: OutboxMessage, error: str) -> Outcome:
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return _give_up(message, f"Gave up after {message.attempts} attempts. {error}")
    delay = min(
        settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (message.attempts - 1),
        settings.OUTBOX_RETRY_MAX_SECONDS,
    )
    message.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
    message.last_error = error
    message.save(
        update_fields=[
            "status",
            "sent_at",
            "attempts",
            "next_attempt_at",
            "last_error",
            "updated_at",
        ]
    )
    log.warning("Could not send %s (%s); retry in %s s.", message.task_name, error, delay)
    return Outcome.RETRY


def _give_up(message: OutboxMessage, error: str) -> Outcome:
    message.status, message.sent_at, message.last_error = OutboxStatus.FAILED, None, error
    message.save(update_fields=["status", "sent_at", "attempts", "last_error", "updated_at"])
    log.error("Outbox message %s failed: %s", message.pk, error)
    return Outcome.FAILED


def _is_registered(task_name: str) -> bool:
    _discover_tasks()
    return task_name in current_app.tasks


_discovery = threading.Lock()
_discovered = threading.Event()


def _discover_tasks() -> None:
    """Import every app's ``tasks.py`` once: a web process has not, a worker has at start.

    Every caller waits until the import has finished: Celery's discovery returns at once, having
    imported nothing, to a thread that calls it while another is still importing, and that thread
    would give its message up as naming no task (the first uploads after a web worker starts
    come in threads of their own)."""
    if _discovered.is_set():
        return
    with _discovery:
        if not _discovered.is_set():
            current_app.loader.import_default_modules()
            _discovered.set()
