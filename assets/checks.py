"""Configuration checks for Content Credentials: at start-up, and in ``manage.py check``."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from assets.credentials.config import check_signing_configuration, load_certificates


def check_trust_anchors_at_startup() -> None:
    """A trust-anchor file that is not PEM stops the process: every verification would be wrong."""
    path = settings.C2PA_TRUST_ANCHORS
    if not path:
        return
    try:
        with open(path, "rb") as handle:
            pem = handle.read()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"C2PA_TRUST_ANCHORS={path} cannot be read: {exc.strerror}."
        ) from exc
    load_certificates(pem, f"C2PA_TRUST_ANCHORS ({path})")


@register("clearcut")
def signing_configuration(app_configs, **kwargs):
    return [Error(problem, id="clearcut.E001") for problem in check_signing_configuration()]
