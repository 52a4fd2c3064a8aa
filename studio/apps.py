from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from studio.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        # receivers connects other apps' signals to webhook events; tasks registers the delivery
        # task, which Celery's autodiscovery (``<app>.tasks`` only) would not find by itself.
        from studio.webhooks import receivers, tasks  # noqa: F401
