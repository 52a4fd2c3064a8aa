"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import logging
import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun, worker_ready

from studio import queues
from studio.beat import BEAT_SCHEDULE
from studio.correlation import correlation_scope
from studio.queues import CORRELATION_HEADER, OUTBOX_HEADER, TASK_ROUTES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")

log = logging.getLogger(__name__)


class CorrelatedTask(Task):
    """Runs every task under the correlation id of the action that queued it (a message header), so
    the audit events a worker writes carry the same id as the request that caused them; and marks
    the outbox row it was sent from as started, so the dispatcher does not send it again.

    A task that sets ``outbox_started_by_task`` marks the row itself, in the transaction that
    commits its work (``studio.outbox.outbox_delivery_started``): an edit job or a training run
    with its claim, a taint run with its end, derivatives with their keys, a webhook attempt with
    its outcome. Work that fails before then leaves the message for the dispatcher to send again,
    where a mark made first would have left it stranded."""

    outbox_started_by_task = False

    def __call__(self, *args, **kwargs):
        message_id = self._header(OUTBOX_HEADER)
        outbox_id = int(message_id) if message_id else None
        with correlation_scope(self._header(CORRELATION_HEADER)), queues.delivery(outbox_id):
            if outbox_id is not None and not self.outbox_started_by_task:
                # The outbox's model: this module is imported before Django's apps load.
                from studio.outbox import outbox_started

                outbox_started(outbox_id)
            return super().__call__(*args, **kwargs)

    def _header(self, name: str):
        request = self.request
        # A worker merges custom headers into the request; ``Task.apply`` keeps them apart.
        return request.get(name) or (request.headers or {}).get(name)


app = Celery("clearcut", task_cls=CorrelatedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = TASK_ROUTES
app.conf.beat_schedule = BEAT_SCHEDULE
app.autodiscover_tasks()


@worker_ready.connect
def dispatch_outbox_on_start(**kwargs) -> None:
    """A worker that starts asks for one outbox run: messages kept while the broker or the workers
    were down go out now, not at the next beat."""
    try:
        queues.publish("studio.dispatch_outbox", ())
    except Exception:  # the worker runs without it; beat asks again soon
        log.exception("Could not ask for an outbox run at worker start.")


@task_prerun.connect
@task_postrun.connect
def retire_old_connections(sender=None, **kwargs) -> None:
    """Between tasks, as between web requests: a connection past CONN_MAX_AGE or unusable is closed,
    a pooled one goes back to its pool, a live one is kept (``CELERY_DB_REUSE_MAX``). Not for a task
    run eagerly, inside its caller's transaction."""
    if sender is not None and getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections  # this module loads before Django's apps

    close_old_connections()
