"""API for studio-wide things: productions, the caller's identity, API tokens, the audit trail."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from studio import services
from studio.api.base import (
    ScopedCreateReadViewSet,
    ScopedReadOnlyViewSet,
    StrictModelSerializer,
    StrictSerializer,
)
from studio.api.fields import CheckedSlugField
from studio.api.filters import FilterSet
from studio.api.permissions import SignedIn, SignedInReader, request_principal
from studio.audit import audit_verify_visible, visible_chains
from studio.audit_checkpoints import latest_checkpoint_summary
from studio.choices import ScopeAction
from studio.models import ApiToken, AuditEvent, Membership, Production


class ProductionSerializer(StrictModelSerializer):
    class Meta:
        model = Production
        fields = ["id", "code", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductionFilter(FilterSet):
    code = django_filters.CharFilter()

    class Meta:
        model = Production
        fields = ["code"]


class ProductionViewSet(ScopedCreateReadViewSet):
    """Productions the caller belongs to. Only studio administrators create them."""

    queryset = Production.objects.all()
    serializer_class = ProductionSerializer
    filterset_class = ProductionFilter

    def perform_create(self, serializer):
        serializer.instance = services.production_create(
            actor=self.principal, **serializer.validated_data
        )


class MembershipSummarySerializer(serializers.ModelSerializer):
    production = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Membership
        fields = ["production", "role"]


class MeView(APIView):
    """Who the caller is, and what they may reach: roles per production, the token's scope."""

    @extend_schema(responses={200: dict})
    def get(self, request):
        principal = request_principal(request)
        memberships = Membership.objects.filter(user=request.user).select_related("production")
        if isinstance(principal, ApiToken):
            # A token speaks only for the productions it was scoped to.
            memberships = memberships.filter(production__in=principal.productions.all())
        body = {
            "username": request.user.get_username(),
            "is_superuser": request.user.is_superuser,
            "memberships": MembershipSummarySerializer(memberships, many=True).data,
        }
        if isinstance(principal, ApiToken):
            body["token"] = {
                "id": principal.pk,
                "name": principal.name,
                "can_write": principal.can_write,
                "expires_at": principal.expires_at,
                "productions": sorted(p.code for p in principal.productions.all()),
            }
        return Response(body)


class ApiTokenSerializer(serializers.ModelSerializer):
    productions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    user = serializers.CharField(source="user.get_username", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "user",
            "key_prefix",
            "productions",
            "can_write",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "created_at",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    productions = CheckedSlugField(slug_field="code", many=True, queryset=Production.objects.all())
    can_write = serializers.BooleanField(default=False)
    expires_at = serializers.DateTimeField(required=False)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]


class ApiTokenViewSet(ScopedReadOnlyViewSet):
    """The caller's API tokens. The key is returned once, by create; only its hash is kept."""

    queryset = ApiToken.objects.select_related("user").prefetch_related("productions")
    serializer_class = ApiTokenSerializer
    permission_classes = [SignedIn]

    def get_queryset(self):
        queryset = ApiToken.objects.select_related("user").prefetch_related("productions")
        if self.request.user.is_superuser and not isinstance(self.principal, ApiToken):
            return queryset
        queryset = queryset.filter(user=self.request.user)
        if isinstance(self.principal, ApiToken):
            # A token sees only the tokens its own scope covers, never a sibling scoped elsewhere.
            outside = Production.objects.exclude(pk__in=self.principal.productions.all())
            queryset = queryset.exclude(productions__in=outside)
        return queryset

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        payload = ApiTokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, raw_key = services.api_token_create(
            actor=self.principal, user=request.user, **payload.validated_data
        )
        token.key = raw_key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.api_token_revoke(actor=self.principal, token=self.get_object())
        return Response(ApiTokenSerializer(token).data)


class AuditEventSerializer(serializers.ModelSerializer):
    # Null for studio-wide events (the studio chain).
    production = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "chain",
            "seq",
            "occurred_at",
            "production",
            "actor_type",
            "actor_id",
            "actor_name",
            "token_id",
            "action",
            "target_type",
            "target_id",
            "target_label",
            "before",
            "after",
            "correlation_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditEventFilter(FilterSet):
    production = django_filters.CharFilter(field_name="production__code")
    action = django_filters.CharFilter()
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = [
            "production",
            "action",
            "actor_id",
            "token_id",
            "target_type",
            "target_id",
            "correlation_id",
        ]


class AuditVerifyRequestSerializer(StrictSerializer):
    production = serializers.CharField(
        required=False, help_text="A production code; empty for every chain you may audit."
    )


class ChainVerificationSerializer(serializers.Serializer):
    chain = serializers.CharField()
    production = serializers.CharField()
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


class CheckpointVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField(
        allow_null=True, help_text="null when there is no checkpoint to compare with."
    )
    latest = serializers.CharField(allow_null=True, help_text="The newest signed checkpoint read.")
    problems = serializers.ListField(child=serializers.CharField())


class AuditVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    events = serializers.IntegerField()
    first_problem = serializers.CharField(allow_null=True)
    chains = ChainVerificationSerializer(many=True)
    checkpoint = CheckpointVerificationSerializer(
        help_text="The newest signed checkpoint of the chain heads compared with the chains "
        "(`manage.py audit_verify --checkpoints` compares every checkpoint)."
    )


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The audit trail of the productions where the caller is legal staff (all, for administrators)."""

    queryset = AuditEvent.objects.select_related("production")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    read_scope_action = ScopeAction.AUDIT

    @extend_schema(
        summary="Verify the audit hash chains",
        request=AuditVerifyRequestSerializer,
        responses={200: AuditVerificationSerializer},
    )
    @action(detail=False, methods=["post"], permission_classes=[SignedInReader])
    def verify(self, request):
        """Re-compute every hash and link of the chains you may audit (as ``manage.py
        audit_verify`` does) and say whether they are intact, naming the first bad event."""
        payload = AuditVerifyRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        code = payload.validated_data.get("production")
        production = None
        if code:
            production = (
                Production.objects.restrict(self.principal, ScopeAction.AUDIT)
                .filter(code=code)
                .first()
            )
            if production is None:
                raise NotFound(f"No production {code!r} whose audit trail you may read.")
        found = audit_verify_visible(principal=self.principal, production=production)
        problems = [problem for item in found for problem in item.as_dict()["problems"]]
        checkpoint = latest_checkpoint_summary(chains=visible_chains(found))
        # No checkpoint to compare with is said in `checkpoint`; only a disagreement is a problem.
        problems += checkpoint["problems"] if checkpoint["ok"] is False else []
        body = {
            "ok": not problems,
            "events": sum(item.report.events for item in found),
            "first_problem": problems[0] if problems else None,
            "chains": [item.as_dict() for item in found],
            "checkpoint": checkpoint,
        }
        return Response(AuditVerificationSerializer(body).data)
