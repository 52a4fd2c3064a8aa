"""Asset Celery tasks (default queue): thin wrappers over services."""

from celery import shared_task

from assets import janitor, list_revisions, services


@shared_task(
    name="assets.make_derivatives",
    acks_late=True,
    max_retries=0,
    outbox_started_by_task=True,  # marked with the keys (``asset_make_derivatives``)
)
def make_derivatives(asset_id: int) -> None:
    services.asset_make_derivatives(asset_id=asset_id)


@shared_task(name="assets.clean_spool", acks_late=True, max_retries=0)
def clean_spool() -> dict:
    report = janitor.spool_clean()
    return {
        "removed": len(report.removed),
        "bytes": report.bytes_removed,
        "kept_owned": len(report.kept_owned),
    }


@shared_task(name="assets.compact_list_changes", acks_late=True, max_retries=0)
def compact_list_changes() -> int:
    """Fold the asset lists' change rows into per-production counts (``assets.list_revisions``)."""
    return list_revisions.compact()
