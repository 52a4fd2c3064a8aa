from django.apps import AppConfig


class LegalConfig(AppConfig):
    """Legal's read side: reports, the dashboard, provenance pages. No models of its own."""

    name = "legal"
    verbose_name = "Legal"
