from django.db import models


class AssetKind(models.TextChoices):
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"
    AUDIO = "audio", "Audio"
    DOCUMENT = "document", "Document"


class AssetOrigin(models.TextChoices):
    CAMERA_ORIGINAL = "camera_original", "Camera original"
    DAILIES = "dailies", "Dailies"
    LICENSED_STOCK = "licensed_stock", "Licensed stock"
    ARCHIVE = "archive", "Archive"
    AI_OUTPUT = "ai_output", "AI output"


class AssetStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    QUARANTINED = "quarantined", "Quarantined"
    TAINTED = "tainted", "Tainted"
    WITHDRAWN = "withdrawn", "Withdrawn"


class C2paState(models.TextChoices):
    """What the Content Credentials found in a file say, as a C2PA validator reports it."""

    NONE = "none", "No credentials"
    TRUSTED = "trusted", "Trusted"
    VALID = "valid", "Valid (signer not trusted)"
    INVALID = "invalid", "Invalid"
    # The claim verifies, but an ingredient's own manifest failed validation when it was read.
    INGREDIENT_FAILED = "ingredient_failed", "Valid, with a failed ingredient"
    # The file points at a manifest stored elsewhere, which is not fetched (manifest.inaccessible).
    REMOTE = "remote", "Not verified: remote manifest"


class PersonKind(models.TextChoices):
    TALENT = "talent", "Talent"
    CREW = "crew", "Crew"


class LineageNode(models.TextChoices):
    """What a lineage edge can point at. Model versions and adapters live in the editing app."""

    ASSET = "asset", "Asset"
    MODEL_VERSION = "model_version", "Model version"
    ADAPTER = "adapter", "Adapter"


class LineageActivity(models.TextChoices):
    EDIT_JOB = "edit_job", "Edit job"
    TRAINING_RUN = "training_run", "Training run"
    IMPORT = "import", "Import"
