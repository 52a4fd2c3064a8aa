"""What every asset service shares."""

from __future__ import annotations

from django.conf import settings


def file_too_large_message() -> str:
    return f"The file is larger than the limit of {settings.ASSET_MAX_BYTES} bytes."
