"""The shared base of every Clearcut API endpoint: strict input, scoped querysets."""

from collections.abc import Mapping

from rest_framework import mixins, serializers, viewsets

from studio.api.fields import IdField
from studio.api.permissions import request_principal
from studio.choices import ScopeAction


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so a typo in a client is an error rather than a no-op."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    serializer_related_field = IdField


class ScopedViewSetMixin:
    """Lists and details only show rows of the principal's productions (``.restrict``)."""

    read_scope_action = ScopeAction.VIEW

    def get_queryset(self):
        return (
            super().get_queryset().restrict(request_principal(self.request), self.read_scope_action)
        )

    @property
    def principal(self):
        return request_principal(self.request)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedCreateReadViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    pass
