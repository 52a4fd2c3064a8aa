"""Serializer fields every app's API shares."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from studio.api.permissions import request_principal
from studio.choices import ScopeAction
from studio.models import Production


@extend_schema_field(OpenApiTypes.STR)
class ProductionCodeField(serializers.SlugRelatedField):
    """A production named by its code, limited to those the caller may write to."""

    def __init__(self, scope_action: str = ScopeAction.CHANGE, **kwargs):
        self.scope_action = scope_action
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Production.objects.restrict(
            request_principal(self.context["request"]), self.scope_action
        )
