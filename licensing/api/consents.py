"""Talent consents and their revocation."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assets import selectors as asset_selectors
from licensing import services
from licensing.api.common import AssetIdsField
from licensing.choices import ConsentScope
from licensing.models import (
    Consent,
    Revocation,
)
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer, StrictSerializer
from studio.api.fields import ProductionCodeField
from studio.api.filters import FilterSet
from studio.api.permissions import SignedIn, request_principal


class RevocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revocation
        fields = ["id", "consent", "revoked_at", "reason", "recorded_by", "created_at"]
        read_only_fields = fields


class ConsentProblemSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["minor_without_guardian", "deceased_without_representative"]
    )
    message = serializers.CharField()


class ConsentSerializer(StrictModelSerializer):
    productions = ProductionCodeField(many=True)
    evidence = AssetIdsField(required=False, allow_null=True)
    revocation = RevocationSerializer(read_only=True, allow_null=True)
    scope = serializers.ChoiceField(choices=ConsentScope.choices)
    effective = serializers.BooleanField(
        read_only=True,
        help_text="false when the consent cannot grant anything as recorded (see problems)",
    )
    problems = ConsentProblemSerializer(many=True, read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "person",
            "scope",
            "productions",
            "description",
            "valid_from",
            "valid_until",
            "evidence",
            "compensation_note",
            "signed_by",
            "guardian_signature",
            "representative_signature",
            "signed_at",
            "revocation",
            "effective",
            "problems",
            "created_at",
        ]
        read_only_fields = ["id", "revocation", "effective", "problems", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        if "request" in self.context:
            fields["person"].queryset = asset_selectors.person_list(
                principal=request_principal(self.context["request"])
            )
        return fields


class ConsentRevokeSerializer(StrictSerializer):
    reason = serializers.CharField()
    revoked_at = serializers.DateTimeField(required=False)


class ConsentFilter(FilterSet):
    production = django_filters.CharFilter(field_name="productions__code", distinct=True)
    revoked = django_filters.BooleanFilter(
        field_name="revocation", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Consent
        fields = ["person", "scope", "production", "revoked"]


class ConsentViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Talent consents. Never deleted: revoked, with a date and a reason (legal staff only)."""

    queryset = Consent.objects.select_related("revocation", "person").prefetch_related(
        "productions"
    )
    serializer_class = ConsentSerializer
    filterset_class = ConsentFilter
    permission_classes = [SignedIn]  # a consent spans productions; the services check each one

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.consent_create(
            actor=self.principal, productions=list(data.pop("productions")), **data
        )

    @extend_schema(request=ConsentRevokeSerializer, responses={201: RevocationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        payload = ConsentRevokeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        revocation = services.consent_revoke(
            actor=self.principal, consent=self.get_object(), **payload.validated_data
        )
        return Response(RevocationSerializer(revocation).data, status=status.HTTP_201_CREATED)
