"""The Celery queues, named once, and the one way services hand work to them.

Services queue tasks by their registered names (``enqueue("licensing.propagate_taint", run.pk)``)
and never import ``tasks.py``: the work is sent once the caller's transaction commits, and carries
the correlation id of the action that caused it, so the audit events a worker writes for it share
that id.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from celery import current_app
from django.db import transaction

from studio.correlation import current_correlation_id

log = logging.getLogger(__name__)

# The message header that carries the correlation id into the worker (read by ``CorrelatedTask``).
CORRELATION_HEADER = "clearcut_correlation_id"


class Queue(StrEnum):
    DEFAULT = "default"
    GPU = "gpu"


# Routing by task name: GPU work is named ``<app>.gpu.<task>``; everything else runs on ``default``.
TASK_ROUTES = {
    "*.gpu.*": {"queue": Queue.GPU.value},
    "*": {"queue": Queue.DEFAULT.value},
}


def enqueue(task_name: str, *args, countdown: int | None = None) -> None:
    """Send the task registered as ``task_name`` after the current transaction commits.

    A failed publish is logged, never raised: the change that caused the work has committed and
    must not be answered as an error.
    """
    correlation_id = current_correlation_id()
    transaction.on_commit(
        lambda: publish(task_name, args, correlation_id=correlation_id, countdown=countdown),
        robust=True,
    )


def publish(
    task_name: str, args: tuple, *, correlation_id: str | None = None, countdown: int | None = None
) -> None:
    """Hand one task message to the broker (routes from ``TASK_ROUTES``)."""
    headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
    current_app.send_task(task_name, args=list(args), headers=headers, countdown=countdown)
