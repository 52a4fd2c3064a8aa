"""Licensing over the API: parties, licenses with grants, consents, clearance, the gate's dry run."""

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import selectors as asset_selectors
from assets.api import ProductionCodeField
from licensing import services
from licensing.choices import ConsentScope, GrantKind, LicenseStatus, Media, RightsAction
from licensing.decision import UseRequest
from licensing.models import (
    ClearanceRequest,
    Consent,
    GateEvaluation,
    Grant,
    License,
    Party,
    Revocation,
)
from licensing.odrl import license_to_odrl
from licensing.policy import evaluate
from studio.api.base import ScopedViewSetMixin, StrictModelSerializer, StrictSerializer
from studio.api.permissions import SignedIn, request_principal
from studio.choices import ScopeAction


@extend_schema_field(OpenApiTypes.INT)
class AssetIdsField(serializers.PrimaryKeyRelatedField):
    """Assets the caller can see, by id."""

    def get_queryset(self):
        return asset_selectors.asset_list(principal=request_principal(self.context["request"]))


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
        fields = [
            "id",
            "section",
            "kind",
            "action",
            "territory_include",
            "territory_exclude",
            "media",
            "languages",
            "valid_from",
            "valid_until",
            "productions",
            "exclusive",
            "attribution",
            "notice",
        ]
        read_only_fields = ["id"]


class LicenseSerializer(StrictModelSerializer):
    production = ProductionCodeField()
    licensor = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    licensee = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
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


class LicenseFilter(django_filters.FilterSet):
    production = django_filters.CharFilter(field_name="production__code")
    expiring_within_days = django_filters.NumberFilter(method="filter_expiring")
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

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def odrl(self, request, pk=None):
        """The license as an ODRL 2.2 JSON-LD policy."""
        return Response(license_to_odrl(self.get_object()), content_type="application/ld+json")

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


class RevocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Revocation
        fields = ["id", "consent", "revoked_at", "reason", "recorded_by", "created_at"]
        read_only_fields = fields


class ConsentSerializer(StrictModelSerializer):
    productions = ProductionCodeField(many=True)
    evidence = AssetIdsField(required=False, allow_null=True)
    revocation = RevocationSerializer(read_only=True)
    scope = serializers.ChoiceField(choices=ConsentScope.choices)

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
            "created_at",
        ]
        read_only_fields = ["id", "revocation", "created_at"]

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


class ConsentFilter(django_filters.FilterSet):
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
    license = serializers.PrimaryKeyRelatedField(
        queryset=License.objects.none(), required=False, allow_null=True
    )

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


ROUTES = [
    ("parties", PartyViewSet, "party"),
    ("licenses", LicenseViewSet, "license"),
    ("consents", ConsentViewSet, "consent"),
    ("clearance-requests", ClearanceRequestViewSet, "clearancerequest"),
    ("gate-evaluations", GateEvaluationViewSet, "gateevaluation"),
]
