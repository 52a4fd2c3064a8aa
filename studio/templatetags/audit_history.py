"""The history page of any object, from the audit trail rather than Django's own change log."""

from django import template

from studio.choices import ScopeAction
from studio.models import AuditEvent

register = template.Library()
LIMIT = 500


@register.simple_tag(takes_context=True)
def audit_events_for(context, obj):
    """The audit events about ``obj`` (its type and id) that the signed-in user may read, oldest
    first; None when the user may read no audit trail at all."""
    user = context["request"].user
    events = AuditEvent.objects.restrict(user, ScopeAction.AUDIT).filter(
        target_type=obj._meta.label_lower, target_id=str(obj.pk)
    )
    if not user.has_perm("studio.view_auditevent"):
        return None
    return list(events.select_related("production").order_by("occurred_at", "chain", "seq")[:LIMIT])
