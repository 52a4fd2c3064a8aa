"""A delivery message the outbox sends twice still POSTs the event once."""

import pytest
from django.utils import timezone

from studio.events import Event, event_emit
from studio.models import OutboxMessage, WebhookDelivery
from studio.outbox import outbox_dispatch
from studio.webhooks.services import DELIVERY_TASK
from studio.webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.usefixtures("loopback")


def test_a_delivery_message_sent_twice_posts_once(receiver, subscribe, production, queued):
    subscribe(receiver.url)

    (delivery,) = event_emit(Event("asset.ingested"), production=production, data={})
    assert outbox_dispatch()  # the row, sent
    # The publish reached the broker but its answer was lost: the row is sent again.
    OutboxMessage.objects.filter(task_name=DELIVERY_TASK).update(
        status="pending", sent_at=None, next_attempt_at=timezone.now()
    )
    outbox_dispatch()

    assert queued.delayed == [delivery.pk, delivery.pk]
    for delivery_id in queued.delayed:
        deliver_webhook.apply(args=(delivery_id,))

    receiver.wait_for(1)
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert WebhookDelivery.objects.count() == 1
