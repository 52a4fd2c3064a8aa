from studio.models.audit import AuditChainHead, AuditEvent
from studio.models.outbox import OutboxMessage
from studio.models.productions import Membership, Production
from studio.models.tokens import ApiToken
from studio.models.webhooks import WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Membership",
    "OutboxMessage",
    "Production",
    "WebhookDelivery",
    "WebhookSubscription",
]
