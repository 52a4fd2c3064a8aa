"""The Celery queues, named once, and the one way services hand work to them.

Services queue tasks by their registered names (``enqueue("licensing.propagate_taint", run.pk)``)
and never import ``tasks.py``: the work is recorded in the caller's transaction (the outbox), sent
once it commits, and carries the correlation id of the action that caused it, so the audit events a
worker writes for it share that id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from celery import current_app
from django.db import transaction
from kombu import Queue as KombuQueue

from studio.correlation import current_correlation_id

# The message headers that carry the correlation id and the outbox row into the worker (read by
# ``CorrelatedTask``).
CORRELATION_HEADER = "clearcut_correlation_id"
OUTBOX_HEADER = "clearcut_outbox_id"
# The outbox row the running task's message was sent from (``delivery``), if any.
_delivered: ContextVar[int | None] = ContextVar("clearcut_outbox_delivery", default=None)


class Queue(StrEnum):
    DEFAULT = "default"
    GPU = "gpu"


# Routing by task name: GPU work is named ``<app>.gpu.<task>``; everything else runs on ``default``.
TASK_ROUTES = {
    "*.gpu.*": {"queue": Queue.GPU.value},
    "*": {"queue": Queue.DEFAULT.value},
}


def queue_declarations(*, consumer_timeout_ms: int | None = None) -> list[KombuQueue]:
    """The queues as the broker declares them: durable, each bound by its own name; on RabbitMQ a
    worker consumes them with a consumer timeout above the longest task."""
    arguments = {"x-consumer-timeout": consumer_timeout_ms} if consumer_timeout_ms else None
    return [
        KombuQueue(queue.value, routing_key=queue.value, durable=True, consumer_arguments=arguments)
        for queue in Queue
    ]


def enqueue(task_name: str, *args, countdown: int | None = None) -> None:
    """Queue the task registered as ``task_name``: recorded in the caller's transaction, sent after
    it commits.

    The message is an outbox row (``studio/outbox.py``) written with the change that caused it, so a
    rolled-back change sends nothing and a committed one is never lost: a publish that fails is kept
    on the row, never raised (the change has committed and must not be answered as an error), and
    the outbox dispatcher sends it later.
    """
    # The outbox's model: settings and the Celery app import this module before Django's apps load.
    from studio.outbox import outbox_record, outbox_send

    message = outbox_record(
        task_name=task_name,
        args=args,
        correlation_id=current_correlation_id(),
        countdown=countdown,
    )
    transaction.on_commit(lambda: outbox_send(message), robust=True)


def publish(
    task_name: str,
    args: tuple,
    *,
    correlation_id: str | None = None,
    countdown: int | None = None,
    outbox_id: int | None = None,
) -> None:
    """Hand one task message to the broker (routes from ``TASK_ROUTES``)."""
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
    if outbox_id is not None:
        headers[OUTBOX_HEADER] = outbox_id
    # Tasks report through the database. Asking for a result would also subscribe this process to
    # the result backend, and a Redis backend that cannot reach its server gives up for good ("the
    # Celery application must be restarted") after retrying inside the request.
    current_app.send_task(
        task_name, args=list(args), headers=headers, countdown=countdown, ignore_result=True
    )


@contextmanager
def delivery(outbox_id: int | None) -> Iterator[None]:
    """Run a task under the outbox row its message was sent from (``CorrelatedTask``), for
    ``studio.outbox.outbox_delivery_started``."""
    token = _delivered.set(outbox_id)
    try:
        yield
    finally:
        _delivered.reset(token)


def delivered_outbox_id() -> int | None:
    """The outbox row of the message the running task was delivered from; None outside a task, or
    for a message sent without the outbox."""
    return _delivered.get()
