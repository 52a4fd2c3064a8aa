"""People and where they appear in footage, over the API. Every write calls a service in
assets.services."""

import django_filters
from rest_framework import mixins, serializers, viewsets

from assets import selectors, services
from assets.models import Appearance, Person
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer
from studio.api.fields import ProductionCodeField
from studio.api.filters import FilterSet
from studio.api.permissions import SignedIn, request_principal
from studio.choices import ScopeAction


class PersonSerializer(StrictModelSerializer):
    productions = ProductionCodeField(many=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "kind",
            "productions",
            "email",
            "is_minor",
            "guardian_name",
            "is_deceased",
            "representative_name",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PersonFilter(FilterSet):
    production = django_filters.CharFilter(field_name="productions__code", distinct=True)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Person
        fields = ["production", "name", "kind", "is_minor", "is_deceased"]


class PersonViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    queryset = Person.objects.prefetch_related("productions")
    serializer_class = PersonSerializer
    permission_classes = [SignedIn]  # a person spans productions; person_update checks each one
    filterset_class = PersonFilter

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.person_create(
            actor=self.principal, productions=list(data.pop("productions")), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        productions = data.pop("productions", None)
        serializer.instance = services.person_update(
            actor=self.principal,
            person=serializer.instance,
            productions=list(productions) if productions is not None else None,
            **data,
        )


class AppearanceSerializer(StrictModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Appearance
        fields = [
            "id",
            "asset",
            "person",
            "person_name",
            "start_seconds",
            "end_seconds",
            "start_frame",
            "end_frame",
            "note",
            "created_at",
        ]
        read_only_fields = ["id", "person_name", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            principal = request_principal(request)
            fields["asset"].queryset = selectors.asset_list(
                principal=principal, action=ScopeAction.CHANGE
            )
            fields["person"].queryset = selectors.person_list(principal=principal)
        return fields


class AppearanceFilter(FilterSet):
    class Meta:
        model = Appearance
        fields = ["asset", "person"]


class AppearanceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Appearance.objects.select_related("person", "asset", "asset__production")
    serializer_class = AppearanceSerializer
    filterset_class = AppearanceFilter

    def perform_create(self, serializer):
        serializer.instance = services.appearance_create(
            actor=self.principal, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.appearance_update(
            actor=self.principal, appearance=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.appearance_delete(actor=self.principal, appearance=instance)
