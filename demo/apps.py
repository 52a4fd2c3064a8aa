from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Installed only so that ``manage.py demo`` is found; the demo has no models."""

    name = "demo"
    verbose_name = "Demo"
