from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from studio import services
from studio.admin_badges import GREEN, ORANGE, RED, badge
from studio.admin_base import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdmin
from studio.auth import admin_access
from studio.choices import OutboxStatus
from studio.exceptions import Conflict
from studio.forms import MemberAuthenticationForm
from studio.models import ApiToken, Membership, OutboxMessage, Production

admin.site.site_header = "Clearcut"
admin.site.site_title = "Clearcut"
admin.site.index_title = "Footage, rights and provenance"
admin.site.has_permission = admin_access
admin.site.login_form = MemberAuthenticationForm

# --- The desk: the admin home per role, links to pages outside the model admins, "View site" ------
# Apps on the floors above register here (in their admin modules): this floor knows no page of theirs.

# request -> a home-page section ({"id", "title", "columns", "rows", "empty", "more"}) or None.
HOME_SECTIONS: list[Callable[[HttpRequest], dict | None]] = []
# request -> [(title, url)]: desk pages for the header, the sidebar and the home page.
DESK_LINKS: list[Callable[[HttpRequest], list[tuple[str, str]]]] = []
# request -> the URL of the user's home for "View site", or None to let the next one answer.
ROLE_HOMES: list[Callable[[HttpRequest], str | None]] = []

_django_each_context = admin.site.each_context
_django_index = admin.site.index


def desk_links(request) -> list[tuple[str, str]]:
    if not admin_access(request):
        return []
    return [link for provider in DESK_LINKS for link in provider(request)]


def _role_home(request) -> str:
    if admin_access(request):
        for home in ROLE_HOMES:
            url = home(request)
            if url:
                return url
    return reverse("admin:index")


def _sidebar_app(links: list[tuple[str, str]]) -> dict:
    """The desk pages as one more section of the sidebar, shaped like an app of the app list."""
    return {
        "name": "Desk",
        "app_label": "desk",
        "app_url": links[0][1],
        "has_module_perms": True,
        "models": [
            {"name": title, "object_name": f"desk{n}", "admin_url": url, "view_only": True}
            for n, (title, url) in enumerate(links)
        ],
    }


def desk_each_context(request):
    context = _django_each_context(request)
    links = desk_links(request)
    context |= {"desk_links": links, "site_url": _role_home(request)}
    if links and context.get("available_apps") is not None:
        context["available_apps"] = [_sidebar_app(links), *context["available_apps"]]
    return context


def desk_index(request, extra_context=None):
    """The admin home: what waits for this user, by role, above the app list."""
    sections = [section for build in HOME_SECTIONS if (section := build(request))]
    return _django_index(request, {"desk_sections": sections, **(extra_context or {})})


admin.site.each_context = desk_each_context
admin.site.index = desk_index


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Production)
class ProductionAdmin(ScopedAdminMixin, ServiceAdmin):
    list_display = ["code", "name", "created_at"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            fields = {
                f: form.cleaned_data[f] for f in form.changed_data if f in ("name", "description")
            }
            if fields:
                services.production_update(actor=request.user, production=obj, **fields)
            return
        created = services.production_create(
            actor=request.user, code=obj.code, name=obj.name, description=obj.description
        )
        obj.pk = created.pk

    def save_formset(self, request, form, formset, change):
        """Each inline row becomes a service call, so role changes are audited like any other."""
        # The admin's own change log reads these; the audit trail is our record.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None)
            if not data or not (row.has_changed() or data.get("DELETE")):
                continue
            original = (
                Membership.objects.filter(pk=row.instance.pk).first() if row.instance.pk else None
            )
            if original and (data.get("DELETE") or original.user_id != data["user"].pk):
                services.membership_remove(actor=request.user, membership=original)
            if not data.get("DELETE"):
                services.membership_set(
                    actor=request.user,
                    production=form.instance,
                    user=data["user"],
                    role=data["role"],
                )


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Roles are given on the production's page; here they can only be removed, through the service."""

    list_display = ["production", "user", "role"]
    list_filter = ["role", "production"]
    search_fields = ["user__username", "production__code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.membership_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "production"):
            services.membership_remove(actor=request.user, membership=membership)


class ApiTokenAddForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "user", "productions", "can_write", "expires_at"]

    def clean(self):
        data = super().clean()
        if data.get("user") and data.get("productions"):
            try:
                services.api_token_check_scope(
                    data["user"], list(data["productions"]), data["can_write"]
                )
            except ValidationError as exc:
                self.add_error("productions", exc.message_dict.get("productions", exc.messages))
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    list_display = ["name", "user", "prefix", "can_write", "expires_at", "state", "last_used_at"]
    list_filter = ["can_write", "revoked_at"]
    search_fields = ["name", "user__username", "key_prefix"]
    actions = ["revoke_selected"]
    form = ApiTokenAddForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Key")
    def prefix(self, obj):
        return f"cc_{obj.key_prefix}…"

    @admin.display(description="State")
    def state(self, obj):
        if obj.revoked_at:
            return badge(RED, "revoked")
        if obj.expires_at <= timezone.now():
            return badge(ORANGE, "expired")
        return badge(GREEN, "active")

    def save_model(self, request, obj, form, change):
        token, raw_key = services.api_token_create(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            productions=list(form.cleaned_data["productions"]),
            can_write=form.cleaned_data["can_write"],
            expires_at=form.cleaned_data["expires_at"],
        )
        obj.pk = token.pk
        messages.warning(request, f"Copy this key now; it will not be shown again: {raw_key}")

    @admin.action(description="Revoke selected tokens")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for token in queryset:
            try:
                services.api_token_revoke(actor=request.user, token=token)
                revoked += 1
            except (Conflict, PermissionDenied):
                continue
        self.message_user(request, f"Revoked {revoked} token(s).")


OUTBOX_COLORS = {OutboxStatus.PENDING: ORANGE, OutboxStatus.SENT: GREEN, OutboxStatus.FAILED: RED}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Task messages on their way to the broker: pending, sent (and started by a worker, or sent
    again because none had), or failed with the reason."""

    list_display = [
        "created_at",
        "task_name",
        "args",
        "status_badge",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "started_at",
        "resends",
        "last_error",
    ]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "correlation_id"]
    date_hierarchy = "created_at"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return badge(OUTBOX_COLORS[obj.status], obj.get_status_display())


# Accounts are made outside the admin (manage.py createsuperuser); a person's roles are memberships,
# given on a production's page. Django's own pages would change accounts, staff flags and permissions
# with no audit event, so here they are shown read-only.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class ReadOnlyUserAdmin(ReadOnlyAdminMixin, UserAdmin):
    pass


@admin.register(Group)
class ReadOnlyGroupAdmin(ReadOnlyAdminMixin, GroupAdmin):
    pass


# The audit trail's page (the list, its CSV, "Verify chain") is registered by its own module.
from studio import admin_audit  # noqa: E402, F401
