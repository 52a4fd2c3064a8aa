from django.db import models


class ModelTask(models.TextChoices):
    INPAINT = "inpaint", "Inpainting"
    IMG2IMG = "img2img", "Image to image"
    UPSCALE = "upscale", "Upscaling (x4)"


class ModelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
    BLOCKED = "blocked", "Blocked"


class AdapterStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    TAINTED = "tainted", "Tainted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    RETIRED = "retired", "Retired"


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DENIED = "denied", "Denied"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    # Its worker stopped renewing the lease (killed, node lost); queued again for another worker.
    ORPHANED = "orphaned", "Orphaned"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = {JobStatus.DENIED, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
