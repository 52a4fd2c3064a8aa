"""Admin pages for webhook subscriptions (secret never shown) and the read-only delivery log.

Imported by studio/admin.py. Like the API, both pages are for the roles that may change a
production; every write goes through studio.webhooks.services.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html

from studio.admin_badges import GREEN, LIGHT_GREY, ORANGE, RED, badge
from studio.admin_base import ServiceAdmin
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production, WebhookDelivery, WebhookSubscription
from studio.scoping import has_production_access
from studio.webhooks import services
from studio.webhooks.addresses import webhook_destination
from studio.webhooks.choices import DeliveryStatus, WebhookEvent

DELIVERY_COLORS = {
    DeliveryStatus.PENDING: LIGHT_GREY,
    DeliveryStatus.DELIVERED: GREEN,
    DeliveryStatus.FAILED: ORANGE,
    DeliveryStatus.ABANDONED: RED,
}


class _ChangeRoleAdmin(ServiceAdmin):
    """Open to superusers and to members whose role may change a production; rows scoped to those."""

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, ScopeAction.CHANGE)

    def _may_change(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return request.user.is_active
        if obj is None:
            return Production.objects.restrict(request.user, ScopeAction.CHANGE).exists()
        return has_production_access(request.user, obj.scope_production_id, ScopeAction.CHANGE)

    def has_module_permission(self, request):
        return self._may_change(request)

    def has_view_permission(self, request, obj=None):
        return self._may_change(request, obj)


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["production", "name", "url", "events", "active"]

    def clean_url(self):
        try:
            webhook_destination(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["url"]) from None
        return self.cleaned_data["url"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ChangeRoleAdmin):
    scoped_choices = {"production": ScopeAction.CHANGE}
    form = WebhookSubscriptionForm
    list_display = ["name", "production", "url", "event_list", "state", "consecutive_failures"]
    list_filter = ["active", "production"]
    search_fields = ["name", "url", "production__code"]
    list_select_related = ["production"]
    readonly_fields = ["consecutive_failures", "disabled_at", "disabled_reason", "created_by"]
    actions = ["send_test_event"]

    def has_add_permission(self, request):
        return self._may_change(request)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # A new subscription starts active; the toggle is for later.
        return fields if obj else [f for f in fields if f != "active"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "production"] if obj else self.readonly_fields

    @admin.display(description="Events")
    def event_list(self, obj):
        return ", ".join(obj.events) if obj.events else "all"

    @admin.display(description="State")
    def state(self, obj):
        return badge(GREEN, "active") if obj.active else badge(RED, "disabled")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created, secret = services.webhook_subscription_create(
                actor=request.user,
                production=data["production"],
                name=data["name"],
                url=data["url"],
                events=data["events"],
            )
            obj.pk = created.pk
            messages.warning(
                request, f"Copy the signing secret now; it is not shown again: {secret}"
            )
            return
        self._save_changes(request, obj, form)

    def _save_changes(self, request, obj, form):
        original = WebhookSubscription.objects.get(pk=obj.pk)
        changes = {
            f: form.cleaned_data[f] for f in ("name", "url", "events") if f in form.changed_data
        }
        if changes:
            original = services.webhook_subscription_update(
                actor=request.user, subscription=original, **changes
            )
        if "active" in form.changed_data and form.cleaned_data["active"] != original.active:
            toggle = (
                services.webhook_subscription_enable
                if form.cleaned_data["active"]
                else services.webhook_subscription_disable
            )
            toggle(actor=request.user, subscription=original)

    @admin.action(description="Send test event")
    def send_test_event(self, request, queryset):
        sent, refused = 0, []
        for subscription in queryset.select_related("production"):
            try:
                services.webhook_send_test(actor=request.user, subscription=subscription)
                sent += 1
            except (Conflict, PermissionDenied) as exc:
                refused.append(f"{subscription.name}: {exc}")
        if sent:
            self.message_user(request, f"Sent a test event to {sent} subscription(s).")
        for line in refused:
            self.message_user(request, line, level=messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ChangeRoleAdmin):
    """The delivery log, read-only."""

    list_display = [
        "created_at",
        "event_type",
        "subscription",
        "status_badge",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "subscription__production"]
    search_fields = ["event_id", "subscription__name"]
    list_select_related = ["subscription__production"]
    date_hierarchy = "created_at"
    exclude = ["payload"]
    readonly_fields = [
        "subscription",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return badge(DELIVERY_COLORS[obj.status], obj.get_status_display())

    @admin.display(description="Body")
    def body(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))
