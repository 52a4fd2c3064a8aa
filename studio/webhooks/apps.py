from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed webhooks for MAM systems. The models live in ``studio.models`` (they are studio-wide
    rows); this app holds the delivery machinery, its admin and its task, discovered as any app's."""

    name = "studio.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"
