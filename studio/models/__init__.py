from studio.models.audit import AuditChainHead, AuditEvent
from studio.models.productions import Membership, Production
from studio.models.tokens import ApiToken

__all__ = ["ApiToken", "AuditChainHead", "AuditEvent", "Membership", "Production"]
