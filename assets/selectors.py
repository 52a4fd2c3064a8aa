"""Reads of footage and people, scoped to the principal's productions."""

from __future__ import annotations

from django.http import Http404

from assets.models import Appearance, Asset, Person
from studio.choices import ScopeAction


def asset_list(*, principal, action: str = ScopeAction.VIEW):
    return Asset.objects.restrict(principal, action).select_related("production")


def access_asset(principal, asset_id, *, action: str = ScopeAction.VIEW) -> Asset:
    """The asset if the principal may act on it; the same 404 whether it is missing or forbidden."""
    asset = asset_list(principal=principal, action=action).filter(pk=asset_id).first()
    if asset is None:
        raise Http404("No such asset.")
    return asset


def person_list(*, principal, action: str = ScopeAction.VIEW):
    return Person.objects.restrict(principal, action).prefetch_related("productions")


def appearance_list(*, principal, action: str = ScopeAction.VIEW):
    return Appearance.objects.restrict(principal, action).select_related(
        "person", "asset", "asset__production"
    )
