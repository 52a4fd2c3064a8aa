from django.db import models
from django.db.models import Q

from editing.choices import JobStatus
from studio.scoping import ScopedQuerySet

IDEMPOTENCY_KEY_MAX_CHARS = 255


class _Run(models.Model):
    """What edit jobs and training runs share: who asked, for what use, the gate, the lifecycle."""

    production = models.ForeignKey("studio.Production", on_delete=models.PROTECT, related_name="+")
    requested_by = models.CharField(max_length=150)
    requested_by_id = models.BigIntegerField(null=True, blank=True)
    model_version = models.ForeignKey(
        "editing.ModelVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="empty for classical operations, which run no model",
    )
    parameters = models.JSONField(default=dict, blank=True)
    seed = models.BigIntegerField()
    territory = models.CharField(max_length=2)
    media = models.CharField(max_length=16)
    language = models.CharField(max_length=8, blank=True)
    intended_use_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when the output will be used: the instant the gate answers for (default: "
        "when it was requested)",
    )
    submit_evaluation = models.ForeignKey(
        "licensing.GateEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    start_evaluation = models.ForeignKey(
        "licensing.GateEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress_stage = models.CharField(max_length=40, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    device = models.CharField(max_length=40, blank=True)
    worker = models.CharField(
        max_length=200, blank=True, help_text="host and pid of the last worker"
    )
    lease_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="while running: the worker holds the run until then, and renews as it goes",
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="when the worker last renewed its lease"
    )
    orphaned_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when its lease was last found expired and the run queued again",
    )
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(
        max_length=IDEMPOTENCY_KEY_MAX_CHARS,
        blank=True,
        help_text="the client's Idempotency-Key, unique per requester and production",
    )
    idempotency_fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the request the key was first sent with",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        indexes = [
            # The lease sweep reads running runs whose lease has run out.
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status=JobStatus.RUNNING),
                name="%(class)s_lease_due",
            )
        ]


class EditJob(_Run):
    """One AI (or classical) edit of footage: an operation on inputs, with a model, adapters, a mask.

    Gated twice (at submit and again when a worker starts it); a denied job keeps its reasons and
    never runs. A job produces at most one output asset, however often its task is delivered.
    """

    operation = models.CharField(max_length=32)
    inputs = models.ManyToManyField("assets.Asset", related_name="edit_jobs")
    mask = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mask_polygons = models.JSONField(default=list, blank=True)
    prompt = models.TextField(blank=True)
    negative_prompt = models.TextField(blank=True)
    adapters = models.ManyToManyField(
        "editing.Adapter", through="EditJobAdapter", related_name="edit_jobs"
    )
    output = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recalled_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta(_Run.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by_id", "production", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="edit_job_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100), name="edit_job_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"Edit #{self.pk} {self.operation} ({self.status})"


class EditJobAdapter(models.Model):
    """An adapter an edit uses, and how strongly."""

    job = models.ForeignKey(EditJob, on_delete=models.CASCADE)
    adapter = models.ForeignKey("editing.Adapter", on_delete=models.PROTECT)
    weight = models.FloatField(default=1.0)

    class Meta:
        ordering = ["job_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "adapter"], name="edit_job_adapter_once")
        ]

    def __str__(self) -> str:
        return f"{self.adapter} × {self.weight}"


class TrainingRun(_Run):
    """Training a LoRA adapter on a production's footage, gated on ai_train and likeness consent.

    The ledger is frozen when training starts: every asset (id, SHA-256), the grants and consents
    relied on, the base model's hash and the parameters. Its hash goes on the adapter.
    """

    name = models.CharField(max_length=100)
    assets = models.ManyToManyField("assets.Asset", related_name="training_runs")
    caption = models.CharField(max_length=200, blank=True)
    ledger = models.JSONField(null=True, blank=True)
    ledger_sha256 = models.CharField(max_length=64, blank=True)
    replaces = models.ForeignKey(
        "editing.Adapter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta(_Run.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by_id", "production", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="training_run_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"Training #{self.pk} {self.name} ({self.status})"
