"""Checks every asset service shares."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied

from studio.scoping import has_production_access

if TYPE_CHECKING:
    from studio.actors import Actor
    from studio.models import Production


def file_too_large_message() -> str:
    return f"The file is larger than the limit of {settings.ASSET_MAX_BYTES} bytes."


def require_production_access(actor: Actor, production: Production, action: str) -> None:
    if not has_production_access(actor, production.pk, action):
        raise PermissionDenied(f"You may not {action} in production {production.code}.")
