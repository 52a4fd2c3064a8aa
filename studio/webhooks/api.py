"""Webhook subscriptions and their delivery log over the API. Writes call studio.webhooks.services.

Both are visible to the roles that may change a production (coordinator, integration, legal): a
subscription's URL is integration plumbing, not something every viewer needs to see.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from studio.api.base import ScopedReadOnlyViewSet, StrictSerializer
from studio.api.fields import ProductionCodeField
from studio.api.filters import FilterSet
from studio.choices import ScopeAction
from studio.models import WebhookDelivery, WebhookSubscription
from studio.webhooks import services
from studio.webhooks.choices import DeliveryStatus, WebhookEvent

SUBSCRIPTION_FIELDS = [
    "id",
    "production",
    "name",
    "url",
    "events",
    "active",
    "consecutive_failures",
    "disabled_at",
    "disabled_reason",
    "created_by",
    "created_at",
    "updated_at",
]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as shown: never its secret."""

    production = serializers.SlugRelatedField(slug_field="code", read_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), read_only=True
    )
    # Null when a process (the demo, a command) subscribed, or the user is gone.
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = WebhookSubscription
        fields = SUBSCRIPTION_FIELDS
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown once: store it now to verify signatures."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*SUBSCRIPTION_FIELDS, "secret"]
        read_only_fields = fields


class WebhookEventsField(serializers.ListField):
    child = serializers.ChoiceField(choices=WebhookEvent.choices)


class WebhookSubscriptionCreateSerializer(StrictSerializer):
    # Any production the caller can see, so a viewer is told "not allowed" rather than "unknown".
    production = ProductionCodeField(scope_action=ScopeAction.VIEW)
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=2000)
    events = WebhookEventsField(required=False, default=list, help_text="empty: every event")


class WebhookSubscriptionUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    url = serializers.CharField(max_length=2000, required=False)
    events = WebhookEventsField(required=False)
    active = serializers.BooleanField(required=False)


class WebhookSubscriptionFilter(FilterSet):
    production = django_filters.CharFilter(field_name="production__code")

    class Meta:
        model = WebhookSubscription
        fields = ["production", "active"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    production = serializers.CharField(source="subscription.production.code", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "production",
            "event_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookSubscriptionViewSet(ScopedReadOnlyViewSet):
    """Who hears about a production's events. The signing secret is returned once, by create."""

    queryset = WebhookSubscription.objects.select_related("production", "created_by")
    serializer_class = WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilter
    read_scope_action = ScopeAction.CHANGE

    @extend_schema(
        request=WebhookSubscriptionCreateSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
    )
    def create(self, request):
        payload = WebhookSubscriptionCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        subscription, secret = services.webhook_subscription_create(
            actor=self.principal, **payload.validated_data
        )
        subscription.secret = secret  # the one response that carries it
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=WebhookSubscriptionUpdateSerializer, responses={200: WebhookSubscriptionSerializer}
    )
    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        payload = WebhookSubscriptionUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        changes = dict(payload.validated_data)
        active = changes.pop("active", None)
        if changes:
            subscription = services.webhook_subscription_update(
                actor=self.principal, subscription=subscription, **changes
            )
        if active is not None and active != subscription.active:
            toggle = (
                services.webhook_subscription_enable
                if active
                else services.webhook_subscription_disable
            )
            subscription = toggle(actor=self.principal, subscription=subscription)
        return Response(self.get_serializer(subscription).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a ``webhook.test`` event now; follow it in the delivery log."""
        delivery = services.webhook_send_test(actor=self.principal, subscription=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryFilter(FilterSet):
    # A plain number: a choice field would answer "invalid choice" for another production's id.
    subscription = django_filters.NumberFilter(field_name="subscription_id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.ChoiceFilter(choices=WebhookEvent.choices)

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "status", "event_type", "event_id"]


class WebhookDeliveryViewSet(ScopedReadOnlyViewSet):
    """The delivery log: every event sent or to be sent, with its attempts."""

    queryset = WebhookDelivery.objects.select_related("subscription__production")
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    read_scope_action = ScopeAction.CHANGE


ROUTES = [
    ("webhooks", WebhookSubscriptionViewSet, "webhooksubscription"),
    ("webhook-deliveries", WebhookDeliveryViewSet, "webhookdelivery"),
]
