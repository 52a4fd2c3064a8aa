from django.db import models


class RightsAction(models.TextChoices):
    """One vocabulary for distribution and AI uses (mapped to ODRL actions on export)."""

    VIEW = "view", "View"
    DISTRIBUTE = "distribute", "Distribute"
    EDIT = "edit", "Edit"
    DERIVE = "derive", "Derive"
    AI_EDIT = "ai_edit", "AI edit"
    AI_TRAIN = "ai_train", "AI training"
    AI_GENERATIVE_TRAIN = "ai_generative_train", "Generative AI training"
    AI_INFERENCE = "ai_inference", "AI inference"
    LIKENESS_USE = "likeness_use", "Likeness use"


class Media(models.TextChoices):
    THEATRICAL = "theatrical", "Theatrical"
    BROADCAST = "broadcast", "Broadcast"
    SVOD = "svod", "SVOD"
    AVOD = "avod", "AVOD"
    TVOD = "tvod", "TVOD"
    FESTIVAL = "festival", "Festival"
    SOCIAL = "social", "Social"
    MARKETING = "marketing", "Marketing"
    INTERNAL = "internal", "Internal"


class GrantKind(models.TextChoices):
    PERMISSION = "permission", "Permission"
    PROHIBITION = "prohibition", "Prohibition"


class LicenseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"


class Coverage(models.TextChoices):
    LISTED = "listed", "Listed assets"
    PRODUCTION = "production", "Every asset of the production"
    RIGHTS_HOLDER = "rights_holder", "Every asset from the rights holder"


class PartyKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    PERSON = "person", "Person"


class ConsentScope(models.TextChoices):
    """SAG-AFTRA 2023 distinctions for digital uses of a performer."""

    DIGITAL_ALTERATION = "digital_alteration", "Digital alteration of the performance"
    DIGITAL_REPLICA_CREATION = "digital_replica_creation", "Creating a digital replica"
    DIGITAL_REPLICA_USE = "digital_replica_use", "Using a digital replica"
    LIKENESS_TRAINING = "likeness_training", "Training a model on the likeness"
    VOICE = "voice", "Voice"


class ClearanceStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# The consent each action needs from every person who appears in the footage, unless the caller
# (an editing operation) names the scopes itself.
DEFAULT_CONSENT_SCOPES: dict[str, tuple[str, ...]] = {
    RightsAction.AI_EDIT: (ConsentScope.DIGITAL_ALTERATION,),
    RightsAction.AI_TRAIN: (ConsentScope.LIKENESS_TRAINING,),
    RightsAction.AI_GENERATIVE_TRAIN: (ConsentScope.LIKENESS_TRAINING,),
    RightsAction.LIKENESS_USE: (ConsentScope.DIGITAL_REPLICA_USE,),
}
