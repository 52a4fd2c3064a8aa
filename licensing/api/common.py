"""Fields shared by the licensing endpoints."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from assets import selectors as asset_selectors
from studio.api.fields import IdField
from studio.api.permissions import request_principal


@extend_schema_field(OpenApiTypes.INT)
class AssetIdsField(IdField):
    """Assets the caller can see, by id."""

    def get_queryset(self):
        return asset_selectors.asset_list(principal=request_principal(self.context["request"]))
