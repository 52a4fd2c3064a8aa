"""Asset Celery tasks (default queue): thin wrappers over services."""

from celery import shared_task

from assets import services


@shared_task(name="assets.make_derivatives", acks_late=True, max_retries=0)
def make_derivatives(asset_id: int) -> None:
    services.asset_make_derivatives(asset_id=asset_id)
