from django.db import models


class Role(models.TextChoices):
    LEGAL = "legal", "Legal and clearance"
    COORDINATOR = "coordinator", "Production coordinator"
    VIEWER = "viewer", "Viewer"
    INTEGRATION = "integration", "Integration (MAM)"


class ScopeAction(models.TextChoices):
    """What a principal wants to do with production-scoped objects."""

    VIEW = "view", "View"
    CHANGE = "change", "Create and change"
    AUDIT = "audit", "Read the audit trail and legal reports"
    LEGAL = "legal", "Legal decisions (approve, revoke, edit licenses)"


# Actions that change data; an API token needs ``can_write`` for them.
WRITE_ACTIONS = frozenset({ScopeAction.CHANGE, ScopeAction.LEGAL})


ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({ScopeAction.VIEW}),
    Role.COORDINATOR: frozenset({ScopeAction.VIEW, ScopeAction.CHANGE}),
    Role.INTEGRATION: frozenset({ScopeAction.VIEW, ScopeAction.CHANGE}),
    Role.LEGAL: frozenset(
        {ScopeAction.VIEW, ScopeAction.CHANGE, ScopeAction.AUDIT, ScopeAction.LEGAL}
    ),
}


def roles_allowing(action: str) -> list[str]:
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


class ActorType(models.TextChoices):
    USER = "user", "User"
    TOKEN = "token", "API token"
    SYSTEM = "system", "System"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
