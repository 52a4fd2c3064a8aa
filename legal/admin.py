"""Legal's part of the admin: the role-aware home and desk links, and the footage list's way to
the withdraw page. Legal has no models; nothing is registered here."""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from assets.admin import AssetAdmin
from legal.home import SECTIONS, is_legal, legal_home, legal_links
from studio.admin import DESK_LINKS, HOME_SECTIONS, ROLE_HOMES

HOME_SECTIONS.extend(SECTIONS)
DESK_LINKS.append(legal_links)
ROLE_HOMES.append(legal_home)


@admin.action(description="Withdraw selected assets…", permissions=["legal"])
def withdraw_assets(modeladmin, request, queryset):
    """To the withdraw page, where the reason (and an override reason for clean footage) is given."""
    ids = sorted(queryset.values_list("pk", flat=True))
    query = urlencode([("asset", pk) for pk in ids])
    return HttpResponseRedirect(f"{reverse('legal-withdraw')}?{query}")


def _has_legal_permission(modeladmin, request) -> bool:
    return is_legal(request)


AssetAdmin.actions = [*AssetAdmin.actions, withdraw_assets]
AssetAdmin.has_legal_permission = _has_legal_permission
