"""Parties and licenses with their grants, ODRL export and import."""

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from licensing import services
from licensing.api.common import AssetIdsField
from licensing.choices import GrantKind, LicenseStatus
from licensing.models import (
    Grant,
    License,
    Party,
)
from licensing.odrl import license_to_odrl
from licensing.services.licenses import GRANT_FIELDS
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer, StrictSerializer
from studio.api.fields import IdField, ProductionCodeField
from studio.api.filters import FilterSet
from studio.api.permissions import SignedIn, request_principal
from studio.api.renderers import LINKED_DATA_RENDERERS
from studio.choices import ScopeAction


class PartySerializer(StrictModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name", "kind", "contact_email", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]


class PartyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Licensors and licensees (studio-wide). Legal staff add them."""

    queryset = Party.objects.all()
    serializer_class = PartySerializer
    permission_classes = [SignedIn]
    filterset_fields = ["kind", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.party_create(
            actor=request_principal(self.request), **serializer.validated_data
        )


class GrantSerializer(StrictModelSerializer):
    productions = ProductionCodeField(many=True, required=False)
    kind = serializers.ChoiceField(choices=GrantKind.choices, default=GrantKind.PERMISSION)
    action = serializers.CharField(max_length=24)
    territory_include = serializers.ListField(child=serializers.CharField(), required=False)
    territory_exclude = serializers.ListField(child=serializers.CharField(), required=False)
    media = serializers.ListField(child=serializers.CharField(), required=False)
    languages = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Grant
        fields = ["id", *GRANT_FIELDS, "productions"]
        read_only_fields = ["id"]


class LicenseSerializer(StrictModelSerializer):
    production = ProductionCodeField()
    licensor = IdField(queryset=Party.objects.all())
    licensee = IdField(queryset=Party.objects.all())
    grants = GrantSerializer(many=True, required=False)
    assets = AssetIdsField(many=True, required=False)
    contract_document = AssetIdsField(required=False, allow_null=True)

    class Meta:
        model = License
        fields = [
            "id",
            "production",
            "reference",
            "title",
            "licensor",
            "licensee",
            "status",
            "starts_at",
            "ends_at",
            "coverage",
            "contract_document",
            "assets",
            "grants",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["production"] = instance.production.code
        return data


class LicenseFilter(FilterSet):
    production = django_filters.CharFilter(field_name="production__code")
    expiring_within_days = django_filters.NumberFilter(
        method="filter_expiring", min_value=0, max_value=36500, help_text="0 to 36500 days"
    )
    asset = django_filters.NumberFilter(field_name="assets", distinct=True)

    class Meta:
        model = License
        fields = ["production", "status", "coverage", "licensor", "licensee", "asset"]

    def filter_expiring(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(
            ends_at__gt=now, ends_at__lte=now + timezone.timedelta(days=int(value))
        )


class LicenseStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=LicenseStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LinkAssetsSerializer(StrictSerializer):
    assets = AssetIdsField(many=True)


class OdrlImportSerializer(StrictSerializer):
    production = ProductionCodeField()
    policy = serializers.JSONField()


class LicenseViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Licenses of the caller's productions. Only legal staff create or change them."""

    queryset = License.objects.select_related(
        "production", "licensor", "licensee"
    ).prefetch_related("grants__productions", "assets")
    serializer_class = LicenseSerializer
    filterset_class = LicenseFilter
    write_scope_action = ScopeAction.LEGAL

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.license_create(
            actor=self.principal,
            grants=[dict(g) for g in data.pop("grants", [])],
            assets=list(data.pop("assets", [])),
            **data,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("production", None)
        if "assets" in data:
            services.license_link_assets(
                actor=self.principal, license=serializer.instance, assets=list(data.pop("assets"))
            )
        grants = data.pop("grants", None)
        serializer.instance = services.license_update(
            actor=self.principal,
            license=serializer.instance,
            grants=[dict(g) for g in grants] if grants is not None else None,
            **data,
        )

    @extend_schema(request=LicenseStatusSerializer, responses={200: LicenseSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        payload = LicenseStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        license = services.license_set_status(
            actor=self.principal, license=self.get_object(), **payload.validated_data
        )
        return Response(self.get_serializer(license).data)

    @extend_schema(request=LinkAssetsSerializer, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="assets")
    def link_assets(self, request, pk=None):
        license = self.get_object()  # a license out of reach is a 404 before the body is looked at
        payload = LinkAssetsSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        added = services.license_link_assets(
            actor=self.principal, license=license, assets=payload.validated_data["assets"]
        )
        return Response({"added": added})

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], renderer_classes=LINKED_DATA_RENDERERS)
    def odrl(self, request, pk=None):
        """The license as an ODRL 2.2 JSON-LD policy (``application/ld+json`` unless the client
        asks for plain ``application/json``)."""
        return Response(license_to_odrl(self.get_object()))

    @extend_schema(request=OdrlImportSerializer, responses={201: LicenseSerializer})
    @action(detail=False, methods=["post"], url_path="import-odrl")
    def import_odrl(self, request):
        payload = OdrlImportSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        license = services.license_import_odrl(
            actor=self.principal,
            production=payload.validated_data["production"],
            document=payload.validated_data["policy"],
        )
        return Response(self.get_serializer(license).data, status=status.HTTP_201_CREATED)
