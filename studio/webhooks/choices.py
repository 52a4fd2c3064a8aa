from django.db import models


class WebhookEvent(models.TextChoices):
    """What a subscription can hear about. ``webhook.test`` is sent on request, whatever the filter."""

    ASSET_INGESTED = "asset.ingested", "Asset ingested"
    ASSET_TAINTED = "asset.tainted", "Asset tainted"
    ASSET_WITHDRAWN = "asset.withdrawn", "Asset withdrawn"
    JOB_SUCCEEDED = "job.succeeded", "Edit job succeeded"
    JOB_FAILED = "job.failed", "Edit job failed"
    JOB_DENIED = "job.denied", "Edit job denied"
    TRAINING_SUCCEEDED = "training.succeeded", "Training succeeded"
    LICENSE_EXPIRING = "license.expiring", "License expiring"
    CONSENT_REVOKED = "consent.revoked", "Consent revoked"
    WEBHOOK_TEST = "webhook.test", "Test event"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, will retry"
    ABANDONED = "abandoned", "Abandoned"


# A delivery in one of these states will not be attempted again.
FINAL_STATUSES = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ABANDONED})
