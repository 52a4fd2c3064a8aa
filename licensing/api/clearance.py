"""Clearance requests, the gate's dry run for MAMs, and the decision log."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from licensing import services
from licensing.api.common import AssetIdsField
from licensing.choices import ConsentScope, Media, RightsAction
from licensing.gate import UseRequest, evaluate
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


class CheckSerializer(StrictSerializer):
    production = ProductionCodeField(scope_action=ScopeAction.VIEW)
    action = serializers.ChoiceField(choices=RightsAction.choices)
    assets = AssetIdsField(many=True)
    adapters = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )
    territory = serializers.CharField(max_length=8)
    media = serializers.ChoiceField(choices=Media.choices)
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False)
    consent_scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentScope.choices), required=False
    )


class ClearanceCheckView(APIView):
    """Dry run of the gate for MAMs: the decision and its reasons; nothing is stored or queued."""

    @extend_schema(request=CheckSerializer, responses={200: dict})
    def post(self, request):
        payload = CheckSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        use = UseRequest(
            action=data["action"],
            production_id=data["production"].pk,
            asset_ids=tuple(a.pk for a in data["assets"]),
            territory=data["territory"].upper(),
            media=data["media"],
            at=data.get("at") or timezone.now(),
            language=data["language"],
            adapter_ids=tuple(data["adapters"]),
            consent_scopes=tuple(data["consent_scopes"]) if "consent_scopes" in data else None,
        )
        services.check_use_request(use)
        return Response(evaluate(use).as_dict())


class GateEvaluationSerializer(serializers.ModelSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
