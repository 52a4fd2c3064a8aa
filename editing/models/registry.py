from django.db import models
from django.db.models import Q

from editing.choices import AdapterStatus, ModelStatus, ModelTask
from studio.scoping import ScopedQuerySet


class ModelVersion(models.Model):
    """One base model, frozen: a diffusers directory whose weight files hash to ``weights_sha256``.

    Studio-wide (not tied to a production). Its own provenance — what it was trained on, under
    which license — is recorded so legal can answer for the model as well as for the footage.
    """

    family = models.CharField(max_length=100)
    version = models.CharField(max_length=50)
    task = models.CharField(max_length=16, choices=ModelTask.choices)
    location = models.CharField(max_length=500, help_text="a local diffusers directory")
    weights_sha256 = models.CharField(max_length=64)
    provenance = models.JSONField(
        default=dict, blank=True, help_text="training data and its license"
    )
    max_side = models.PositiveIntegerField(
        default=512,
        help_text="the longest side, in pixels, the model works at; larger frames are scaled to it",
    )
    status = models.CharField(
        max_length=10, choices=ModelStatus.choices, default=ModelStatus.ACTIVE
    )
    registered_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family", "version", "task"]
        constraints = [
            models.UniqueConstraint(
                fields=["family", "version", "task"], name="model_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(weights_sha256__regex=r"^[0-9a-f]{64}$"), name="model_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.version} ({self.task})"


class Adapter(models.Model):
    """A LoRA adapter on a model version, trained on one production's footage (or registered).

    ``training_ledger_sha256`` is the hash of the frozen ledger of what it learned from, and under
    which grants and consents: the adapter's rights are those of its training footage.
    """

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="adapters"
    )
    name = models.CharField(max_length=100)
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="adapters"
    )
    weights_key = models.CharField(max_length=300)
    weights_sha256 = models.CharField(max_length=64)
    training_run = models.OneToOneField(
        "editing.TrainingRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adapter",
    )
    training_ledger_sha256 = models.CharField(max_length=64, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    status = models.CharField(
        max_length=10, choices=AdapterStatus.choices, default=AdapterStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["production_id", "name", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weights_sha256__regex=r"^[0-9a-f]{64}$"), name="adapter_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.model_version}"
