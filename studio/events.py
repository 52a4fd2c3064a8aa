"""The one path for the events MAM systems hear about.

Each app's ``events.py`` builds its payloads where the change happens and calls ``event_emit`` with a
typed ``Event``: one delivery per interested subscription is stored in the caller's transaction
(so an event exists exactly when its change does) and sent once that transaction commits.
"""

from __future__ import annotations

from studio.models import Production, WebhookDelivery, WebhookSubscription
from studio.webhooks.choices import WebhookEvent as Event
from studio.webhooks.services import deliveries_record, event_payload

__all__ = ["Event", "event_emit", "listening_production_ids"]


def event_emit(event: Event, *, production: Production, data: dict) -> list[WebhookDelivery]:
    """Record ``event`` for every active subscription of the production that wants it."""
    if not isinstance(event, Event):
        raise TypeError(f"Events are typed: use studio.events.Event, not {event!r}.")
    subscriptions = [
        s
        for s in WebhookSubscription.objects.active().filter(production=production)
        if s.wants(event)
    ]
    if not subscriptions:
        return []
    return deliveries_record(subscriptions, event_payload(event, production, data))


def listening_production_ids() -> set[int]:
    """Productions with at least one active subscription: bulk emitters skip the rest up front."""
    return set(WebhookSubscription.objects.active().values_list("production_id", flat=True))
