"""The webhook delivery task: an id in, one attempt made by the service, retries scheduled by it."""

from celery import shared_task

from studio.webhooks.services import webhook_deliver


@shared_task(
    name="studio.deliver_webhook",
    acks_late=True,
    outbox_started_by_task=True,  # marked with the attempt's outcome (``webhook_deliver``)
)
def deliver_webhook(delivery_id: int) -> None:
    webhook_deliver(delivery_id=delivery_id)
