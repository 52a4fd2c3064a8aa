"""Clearance requests, the gate's dry run for MAMs, and the decision log."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from licensing import services
from licensing.api.check import ReasonSerializer
from licensing.api.common import AssetIdsField
from licensing.choices import Media, RightsAction
from licensing.models import (
    ClearanceRequest,
    GateEvaluation,
    License,
)
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer, StrictSerializer
from studio.api.fields import IdField, ProductionCodeField
from studio.api.permissions import request_principal
from studio.choices import ScopeAction


class ClearanceRequestSerializer(StrictModelSerializer):
    production = ProductionCodeField()
    assets = AssetIdsField(many=True)
    action = serializers.ChoiceField(choices=RightsAction.choices)
    media = serializers.ChoiceField(choices=Media.choices)

    class Meta:
        model = ClearanceRequest
        fields = [
            "id",
            "production",
            "action",
            "assets",
            "territory",
            "media",
            "language",
            "use_from",
            "use_until",
            "purpose",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_notes",
            "created_grant",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_notes",
            "created_grant",
            "created_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["production"] = instance.production.code
        return data


class ClearanceDecisionSerializer(StrictSerializer):
    approve = serializers.BooleanField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    license = IdField(queryset=License.objects.none(), required=False, allow_null=True)

    def get_fields(self):
        """Only licenses the caller is legal staff on: another production's license reads as missing."""
        fields = super().get_fields()
        if "request" in self.context:
            principal = request_principal(self.context["request"])
            fields["license"].queryset = License.objects.restrict(principal, ScopeAction.LEGAL)
        return fields


class ClearanceRequestViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Coordinators ask; legal decides."""

    queryset = ClearanceRequest.objects.select_related("production").prefetch_related("assets")
    serializer_class = ClearanceRequestSerializer
    filterset_fields = ["status", "action"]
    write_scope_action = ScopeAction.LEGAL

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.clearance_request_create(
            actor=self.principal, assets=list(data.pop("assets")), **data
        )

    @extend_schema(request=ClearanceDecisionSerializer, responses={200: ClearanceRequestSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        clearance = self.get_object()  # role and production first: 404 / 403 before the body
        payload = ClearanceDecisionSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decided = services.clearance_request_decide(
            actor=self.principal,
            request=clearance,
            approve=data["approve"],
            notes=data["notes"],
            grant_on=data.get("license"),
        )
        return Response(self.get_serializer(decided).data)


@extend_schema_field(ReasonSerializer(many=True))
class ReasonsField(serializers.JSONField):
    """The stored reasons, in the shape ``/clearance/check`` answers them."""


class GateEvaluationSerializer(serializers.ModelSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reasons = ReasonsField(read_only=True)

    class Meta:
        model = GateEvaluation
        fields = [
            "id",
            "production",
            "action",
            "request",
            "allowed",
            "reasons",
            "rule_version",
            "subject_type",
            "subject_id",
            "evaluated_by",
            "created_at",
        ]
        read_only_fields = fields


class GateEvaluationViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The decision log: every gate decision that let a real action through or stopped it."""

    queryset = GateEvaluation.objects.select_related("production")
    serializer_class = GateEvaluationSerializer
    filterset_fields = ["allowed", "action", "subject_type", "subject_id"]
    read_scope_action = ScopeAction.AUDIT
