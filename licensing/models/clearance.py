from django.db import models

from licensing.choices import ClearanceStatus, Media, RightsAction
from studio.scoping import ScopedQuerySet


class ClearanceRequest(models.Model):
    """A coordinator asks legal to clear an intended use; legal approves or rejects, with notes.

    An approval may create a specific grant (recorded here), so the cleared use passes the gate.
    """

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="clearance_requests"
    )
    requested_by = models.CharField(max_length=150)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=24, choices=RightsAction.choices)
    assets = models.ManyToManyField("assets.Asset", related_name="clearance_requests")
    territory = models.CharField(max_length=8)
    media = models.CharField(max_length=16, choices=Media.choices)
    language = models.CharField(max_length=8, blank=True)
    use_from = models.DateTimeField()
    use_until = models.DateTimeField(null=True, blank=True)
    purpose = models.TextField()
    status = models.CharField(
        max_length=10, choices=ClearanceStatus.choices, default=ClearanceStatus.PENDING
    )
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_notes = models.TextField(blank=True)
    created_grant = models.ForeignKey(
        "licensing.Grant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(use_until__isnull=True)
                | models.Q(use_from__lt=models.F("use_until")),
                name="clearance_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return (
            f"Clearance #{self.pk}: {self.action} in {self.territory}/{self.media} ({self.status})"
        )


class GateEvaluation(models.Model):
    """A gate decision that let a real action go ahead or stopped it: its inputs, answer and reasons."""

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="gate_evaluations"
    )
    action = models.CharField(max_length=24, choices=RightsAction.choices)
    request = models.JSONField()
    allowed = models.BooleanField()
    reasons = models.JSONField()
    rule_version = models.CharField(max_length=16)
    subject_type = models.CharField(
        max_length=40, blank=True, help_text="what was gated, e.g. editing.editjob"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    evaluated_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="gate_subject_idx")]

    def __str__(self) -> str:
        return f"{'allowed' if self.allowed else 'denied'} {self.action} ({self.created_at:%Y-%m-%d %H:%M})"
