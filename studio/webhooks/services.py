"""Webhook writes: subscriptions (audited), emitting events, and delivering them with retries.

Events are stored as one ``WebhookDelivery`` per matching subscription and sent by a Celery task
after the emitting transaction commits. A failed attempt is retried with exponential backoff up to
``WEBHOOK_MAX_ATTEMPTS``; a subscription whose attempts keep failing is disabled.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from studio.actors import SystemActor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production, WebhookDelivery, WebhookSubscription
from studio.outbox import outbox_delivery_started
from studio.queues import enqueue
from studio.scoping import principal_user, require_production_access
from studio.values import check_strings, check_text
from studio.webhooks.addresses import webhook_destination
from studio.webhooks.choices import FINAL_STATUSES, DeliveryStatus, WebhookEvent
from studio.webhooks.signing import sign
from studio.webhooks.transport import Outcome, post

if TYPE_CHECKING:
    from studio.actors import Actor

DELIVERER = SystemActor("studio.webhook-delivery")
DELIVERY_TASK = "studio.deliver_webhook"
SECRET_PREFIX = "whsec_"  # noqa: S105  (a public marker, not a secret)
UPDATABLE = ("name", "url", "events")


def _require_change(actor: Actor, production: Production) -> None:
    require_production_access(actor, production, ScopeAction.CHANGE)


def _clean_name(name: str) -> str:
    limit = WebhookSubscription._meta.get_field("name").max_length
    name = check_text("name", name, limit=limit).strip()
    if not name:
        raise ValidationError({"name": "Give the subscription a name."})
    return name


# Each event type at most a few times over; no event type is longer than this.
MAX_EVENTS = 100
EVENT_CHARS = 64


def _clean_events(events) -> list[str]:
    if not isinstance(events, list | tuple):
        raise ValidationError({"events": "A list of event types (empty means all)."})
    check_strings("events", events, max_items=MAX_EVENTS, limit=EVENT_CHARS)
    unknown = sorted({str(e) for e in events} - set(WebhookEvent.values))
    if unknown:
        known = ", ".join(WebhookEvent.values)
        raise ValidationError(
            {"events": f"Unknown event type(s): {', '.join(unknown)}; use one of {known}."}
        )
    return sorted(set(events))


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    webhook_destination(url)
    return url


def _facts(subscription: WebhookSubscription) -> dict:
    """What the audit trail keeps about a subscription: never the secret."""
    return {
        "name": subscription.name,
        "url": subscription.url,
        "events": subscription.events,
        "active": subscription.active,
    }


def webhook_subscription_create(
    *, actor: Actor, production: Production, name: str, url: str, events: list[str] | None = None
) -> tuple[WebhookSubscription, str]:
    """Subscribe ``url`` to the production's events; returns the secret, which is shown only now."""
    _require_change(actor, production)
    secret = f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    subscription = WebhookSubscription(
        production=production,
        name=_clean_name(name),
        url=_clean_url(url),
        events=_clean_events(events or []),
        secret=secret,
        created_by=principal_user(actor) if not isinstance(actor, SystemActor) else None,
    )
    subscription.full_clean()
    with transaction.atomic():
        subscription.save(force_insert=True)
        audit_record(
            actor=actor,
            action="studio.webhook.created",
            production=production,
            target=subscription,
            after=_facts(subscription),
        )
    return subscription, secret


def _locked(subscription: WebhookSubscription) -> WebhookSubscription:
    return WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)


def webhook_subscription_update(
    *, actor: Actor, subscription: WebhookSubscription, **changes
) -> WebhookSubscription:
    """Rename, re-point or re-filter a subscription (``active`` has its own services)."""
    _require_change(actor, subscription.production)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in sorted(unknown)})
    cleaners = {"name": _clean_name, "url": _clean_url, "events": _clean_events}
    changes = {field: cleaners[field](value) for field, value in changes.items()}
    with transaction.atomic():
        subscription = _locked(subscription)
        changes = {f: v for f, v in changes.items() if getattr(subscription, f) != v}
        if not changes:
            return subscription
        before = {field: getattr(subscription, field) for field in changes}
        for field, value in changes.items():
            setattr(subscription, field, value)
        subscription.full_clean()
        subscription.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="studio.webhook.updated",
            production=subscription.production,
            target=subscription,
            before=before,
            after=changes,
        )
    return subscription


def _disable(actor: Actor, subscription: WebhookSubscription, reason: str) -> None:
    """Inside the caller's transaction, on a locked row."""
    subscription.active, subscription.disabled_at = False, timezone.now()
    subscription.disabled_reason = reason[:300]
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="studio.webhook.disabled",
        production=subscription.production,
        target=subscription,
        after={"disabled_at": subscription.disabled_at, "reason": subscription.disabled_reason},
    )


def webhook_subscription_disable(
    *, actor: Actor, subscription: WebhookSubscription, reason: str = ""
) -> WebhookSubscription:
    _require_change(actor, subscription.production)
    with transaction.atomic():
        subscription = _locked(subscription)
        if not subscription.active:
            raise Conflict("This webhook subscription is already disabled.")
        _disable(actor, subscription, reason or "Disabled by hand.")
    return subscription


def webhook_subscription_enable(
    *, actor: Actor, subscription: WebhookSubscription
) -> WebhookSubscription:
    """Turn a subscription back on, with a clean failure count."""
    _require_change(actor, subscription.production)
    with transaction.atomic():
        subscription = _locked(subscription)
        if subscription.active:
            raise Conflict("This webhook subscription is already active.")
        before = {"disabled_at": subscription.disabled_at, "reason": subscription.disabled_reason}
        subscription.active, subscription.consecutive_failures = True, 0
        subscription.disabled_at, subscription.disabled_reason = None, ""
        subscription.save(
            update_fields=[
                "active",
                "consecutive_failures",
                "disabled_at",
                "disabled_reason",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="studio.webhook.enabled",
            production=subscription.production,
            target=subscription,
            before=before,
        )
    return subscription


def event_payload(event_type: str, production: Production, data: dict) -> dict:
    """The body every subscriber receives: a fresh event id, the type, the production, the data."""
    return {
        "id": str(uuid.uuid4()),
        "type": str(event_type),
        "created_at": timezone.now().isoformat(),
        "production": production.code,
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }


def deliveries_record(
    subscriptions: list[WebhookSubscription], payload: dict
) -> list[WebhookDelivery]:
    """One delivery row per subscription, in the caller's transaction; each is sent after commit."""
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription,
                event_id=uuid.UUID(payload["id"]),
                event_type=payload["type"],
                payload=payload,
            )
            for subscription in subscriptions
        ]
    )
    for delivery in deliveries:
        enqueue(DELIVERY_TASK, delivery.pk)
    return deliveries


def webhook_send_test(*, actor: Actor, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a ``webhook.test`` event to this one subscription, so its owner can check the receiver."""
    _require_change(actor, subscription.production)
    if not subscription.active:
        raise Conflict("This webhook subscription is disabled; enable it before testing it.")
    payload = event_payload(
        WebhookEvent.WEBHOOK_TEST,
        subscription.production,
        {"subscription": subscription.pk, "name": subscription.name},
    )
    with transaction.atomic():
        (delivery,) = deliveries_record([subscription], payload)
        audit_record(
            actor=actor,
            action="studio.webhook.test_sent",
            production=subscription.production,
            target=subscription,
            after={"event_id": payload["id"]},
        )
    return delivery


def body_bytes(payload: dict) -> bytes:
    """The body as sent: compact, sorted keys, ASCII — the same bytes on every attempt."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def _send(delivery: WebhookDelivery) -> Outcome:
    subscription = delivery.subscription
    try:
        address, _ = webhook_destination(subscription.url)
    except ValidationError as exc:
        refusal = " ".join(exc.message_dict.get("url", exc.messages))
        return Outcome(False, None, f"Refused: {refusal}")
    body = body_bytes(delivery.payload)
    headers = {
        "Content-Type": "application/json",
        "Clearcut-Event": delivery.event_type,
        "Clearcut-Delivery": str(delivery.event_id),
        "Clearcut-Signature": sign(subscription.secret, int(time.time()), body),
    }
    return post(subscription.url, address, body, headers)


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one attempt at a delivery and record how it went. Safe to call twice.

    The POST happens outside any transaction; the outcome is recorded under row locks, so a
    delivery that another worker has meanwhile finished is left as it is.
    """
    delivery = (
        WebhookDelivery.objects.select_related("subscription__production")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status in FINAL_STATUSES:
        outbox_delivery_started()
        return delivery
    if not delivery.subscription.active:
        return _record(delivery, None)
    return _record(delivery, _send(delivery))


def _record(delivery: WebhookDelivery, outcome: Outcome | None) -> WebhookDelivery:
    """The attempt's outcome, with the task's outbox message marked started in the same
    transaction: an attempt whose outcome could not be recorded is sent again by the outbox."""
    with transaction.atomic():
        delivery = _record_locked(delivery, outcome)
        outbox_delivery_started()
    return delivery


def _record_locked(delivery: WebhookDelivery, outcome: Outcome | None) -> WebhookDelivery:
    subscription = _locked(delivery.subscription)  # subscription first, then delivery
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status in FINAL_STATUSES:
        return delivery
    if outcome is None or not subscription.active:
        _give_up(delivery, "The subscription is disabled; the event was not sent.")
    elif outcome.ok:
        _delivered(delivery, subscription, outcome)
    else:
        _failed(delivery, subscription, outcome)
    return delivery


def _save(delivery: WebhookDelivery) -> None:
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "updated_at",
        ]
    )


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    delivery.status, delivery.next_attempt_at = DeliveryStatus.ABANDONED, None
    delivery.last_error = reason if not delivery.last_error else f"{delivery.last_error}\n{reason}"
    _save(delivery)


def _delivered(
    delivery: WebhookDelivery, subscription: WebhookSubscription, outcome: Outcome
) -> None:
    delivery.status, delivery.attempts = DeliveryStatus.DELIVERED, delivery.attempts + 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, ""
    delivery.delivered_at, delivery.next_attempt_at = timezone.now(), None
    _save(delivery)
    if subscription.consecutive_failures:
        subscription.consecutive_failures = 0
        subscription.save(update_fields=["consecutive_failures", "updated_at"])


def _failed(delivery: WebhookDelivery, subscription: WebhookSubscription, outcome: Outcome) -> None:
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error[:2000]
    subscription.consecutive_failures += 1
    subscription.save(update_fields=["consecutive_failures", "updated_at"])
    if subscription.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES:
        count = subscription.consecutive_failures
        reason = f"Disabled after {count} failed attempts in a row; last: {outcome.error}"
        _disable(DELIVERER, subscription, reason)
        _give_up(delivery, "The subscription was disabled; no more attempts.")
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        _give_up(delivery, f"Gave up after {delivery.attempts} attempts.")
    else:
        _retry_later(delivery)


def _retry_later(delivery: WebhookDelivery) -> None:
    countdown = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=countdown)
    _save(delivery)
    enqueue(DELIVERY_TASK, delivery.pk, countdown=countdown)
