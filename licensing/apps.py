from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_gate_function(sender, using="default", **kwargs):
    from licensing.gate.facts_source import install_function  # noqa: PLC0415  (reason: apps not ready at import)

    install_function(using)


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = "Licensing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_install_gate_function, sender=self)
