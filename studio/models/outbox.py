from django.db import models
from django.db.models import Q
from django.utils import timezone

from studio.choices import OutboxStatus


class OutboxMessage(models.Model):
    """One task message Clearcut owes the broker, written in the transaction that caused the work.

    A row exists exactly when the change that asked for the work committed. It is *pending* until a
    publish succeeds, then *sent* (``sent_at``); it is *failed* when it can never be sent — no task is
    registered under its name, or its attempts ran out — with the reason in ``last_error``. A pending
    row is tried again from ``next_attempt_at`` on; the task runs no earlier than ``not_before``
    (the caller's countdown). A worker that begins the task marks ``started_at``; a sent row no
    worker has started by ``next_attempt_at`` is sent again (``resends``), in case the broker lost
    it. Sent rows are pruned after ``OUTBOX_KEEP_DAYS``; failed rows stay until someone looks at
    them.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    countdown = models.PositiveIntegerField(null=True, blank=True)
    not_before = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="when a worker first began the task"
    )
    resends = models.PositiveIntegerField(
        default=0, help_text="times sent again because no worker had started it"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=OutboxStatus.SENT, sent_at__isnull=False)
                | (~Q(status=OutboxStatus.SENT) & Q(sent_at__isnull=True)),
                name="outbox_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status=OutboxStatus.PENDING),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["sent_at"], condition=Q(status=OutboxStatus.SENT), name="outbox_sent_at"
            ),
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status=OutboxStatus.SENT, started_at__isnull=True),
                name="outbox_unstarted_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)} ({self.status})"
