"""The one path for the events MAM systems hear about.

Each app's ``events.py`` builds its payloads where the change happens and calls ``event_emit`` with a
typed ``Event``: one delivery per interested subscription is stored in the caller's transaction
(so an event exists exactly when its change does) and sent once that transaction commits.
"""

from __future__ import annotations

from studio.models import Production, WebhookDelivery, WebhookSubscription
from studio.webhooks.choices import WebhookEvent as Event
from studio.webhooks.services import deliveries_record, event_payload

__all__ = ["Event", "event_emit", "event_emit_many", "listening_production_ids"]


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


def event_emit_many(event: Event, items: list[tuple[Production, dict]]) -> list[WebhookDelivery]:
    """``event_emit`` for many changes at once: the subscriptions of every production involved
    are read in one query; each change then gets one delivery per interested subscription."""
    if not isinstance(event, Event):
        raise TypeError(f"Events are typed: use studio.events.Event, not {event!r}.")
    listening: dict[int, list[WebhookSubscription]] = {}
    production_ids = {production.pk for production, _ in items}
    for subscription in WebhookSubscription.objects.active().filter(
        production_id__in=production_ids
    ):
        if subscription.wants(event):
            listening.setdefault(subscription.production_id, []).append(subscription)
    deliveries: list[WebhookDelivery] = []
    for production, data in items:
        if production.pk in listening:
            payload = event_payload(event, production, data)
            deliveries += deliveries_record(listening[production.pk], payload)
    return deliveries


def listening_production_ids() -> set[int]:
    """Productions with at least one active subscription: bulk emitters skip the rest up front."""
    return set(WebhookSubscription.objects.active().values_list("production_id", flat=True))
