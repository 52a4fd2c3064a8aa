from django.db import models
from django.db.models import Q

from studio.scoping import ScopedQuerySet


class TaintCause(models.TextChoices):
    LICENSE = "license", "License"
    CONSENT = "consent", "Consent"


class TaintRun(models.Model):
    """One pass of a cause (a license that ended, a consent revoked or expired) through the lineage:
    what it found, how far it got (so a worker that dies mid-way resumes), or the lifting of it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="taint_runs"
    )
    cause_type = models.CharField(max_length=8, choices=TaintCause.choices)
    cause_id = models.BigIntegerField()
    cause_label = models.CharField(max_length=300)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    requested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Taint from {self.cause_label}: {self.processed}/{self.total} ({self.status})"


class TaintRecord(models.Model):
    """An asset or adapter affected by a cause: which cause, by which path through the lineage, since
    when. Lifting a cause (a reinstated license) dates its records; other causes' records stay."""

    run = models.ForeignKey(TaintRun, on_delete=models.PROTECT, related_name="records")
    production = models.ForeignKey("studio.Production", on_delete=models.PROTECT, related_name="+")
    cause_type = models.CharField(max_length=8, choices=TaintCause.choices)
    cause_id = models.BigIntegerField()
    node_type = models.CharField(max_length=16)
    node_id = models.BigIntegerField()
    depth = models.PositiveIntegerField()
    path = models.JSONField(
        help_text="[[type, id], …] from the footage the cause touched to this node"
    )
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.CharField(max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["cause_type", "cause_id", "depth", "node_type", "node_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cause_type", "cause_id", "node_type", "node_id"],
                condition=Q(lifted_at__isnull=True),
                name="taint_once_per_cause_while_active",
            )
        ]
        indexes = [models.Index(fields=["node_type", "node_id"], name="taint_node_idx")]

    def __str__(self) -> str:
        return f"{self.node_type} {self.node_id} tainted by {self.cause_type} {self.cause_id}"
