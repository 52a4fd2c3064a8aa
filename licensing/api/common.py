"""Fields shared by the licensing endpoints."""

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets import selectors as asset_selectors
from studio.api.fields import IdField
from studio.api.permissions import request_principal


@extend_schema_field(OpenApiTypes.INT)
class AssetIdsField(IdField):
    """Assets the caller can see, by id."""

    def get_queryset(self):
        return asset_selectors.asset_list(principal=request_principal(self.context["request"]))


class InstantField(serializers.DateTimeField):
    """An instant as given, its UTC offset kept (reasons show instants in the caller's offset); an
    offset-less value is read in the server's time zone, as any date-time field."""

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            try:
                value.astimezone(dt.UTC)
            except OverflowError:
                self.fail("invalid", format="an instant within years 1 to 9999")
            return value
        return super().enforce_timezone(value)
