from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from licensing import receivers  # noqa: F401  (taint follows license and consent changes)
