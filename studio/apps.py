from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "studio"
    verbose_name = "Studio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from studio import checks  # noqa: F401  (registers the deployment checks)
        from studio.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
