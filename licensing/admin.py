import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone

from assets.admin import AssetAdmin, badge
from licensing import services
from licensing.choices import LicenseStatus
from licensing.models import ClearanceRequest, Consent, GateEvaluation, Grant, License, Party
from licensing.services.licenses import GRANT_FIELDS
from studio.admin import ScopedAdminMixin
from studio.choices import ScopeAction
from studio.exceptions import Conflict

LICENSE_COLORS = {
    LicenseStatus.DRAFT: "#888",
    LicenseStatus.ACTIVE: "#2e7d32",
    LicenseStatus.SUSPENDED: "#ef6c00",
    LicenseStatus.TERMINATED: "#c62828",
    LicenseStatus.EXPIRED: "#555",
}


class ExpiringSoonFilter(admin.SimpleListFilter):
    title = "expires"
    parameter_name = "expires_within"
    field = "ends_at"

    def lookups(self, request, model_admin):
        return [("30", "within 30 days"), ("90", "within 90 days"), ("past", "already ended")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "past":
            return queryset.filter(**{f"{self.field}__lte": now})
        if self.value() in ("30", "90"):
            until = now + dt.timedelta(days=int(self.value()))
            return queryset.filter(**{f"{self.field}__gt": now, f"{self.field}__lte": until})
        return queryset


class ConsentExpiringFilter(ExpiringSoonFilter):
    field = "valid_until"


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact_email"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied("Parties are renamed by recording a new party.")
        obj.pk = services.party_create(
            actor=request.user, **{f: form.cleaned_data[f] for f in form.fields}
        ).pk


class GrantInline(admin.StackedInline):
    model = Grant
    extra = 0
    fields = [
        ("kind", "action", "section"),
        ("territory_include", "territory_exclude"),
        ("media", "languages"),
        ("valid_from", "valid_until"),
        "productions",
        "exclusive",
        "attribution",
        "notice",
    ]
    filter_horizontal = ["productions"]


@admin.register(License)
class LicenseAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "reference",
        "title",
        "production",
        "licensor",
        "status_badge",
        "coverage",
        "starts_at",
        "ends_at",
    ]
    list_filter = ["status", "coverage", "production", ExpiringSoonFilter]
    search_fields = ["reference", "title", "licensor__name"]
    list_select_related = ["production", "licensor"]
    inlines = [GrantInline]
    readonly_fields = ["status"]
    actions = ["suspend", "reinstate", "terminate"]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return badge(LICENSE_COLORS[obj.status], obj.get_status_display())

    def save_model(self, request, obj, form, change):
        fields = {
            f: form.cleaned_data[f]
            for f in ("reference", "title", "starts_at", "ends_at", "coverage")
        }
        if change:
            request._license = services.license_update(actor=request.user, license=obj, **fields)
        else:
            request._license = services.license_create(
                actor=request.user,
                production=form.cleaned_data["production"],
                licensor=form.cleaned_data["licensor"],
                licensee=form.cleaned_data["licensee"],
                contract_document=form.cleaned_data.get("contract_document"),
                **fields,
            )
        obj.pk = request._license.pk

    def save_related(self, request, form, formsets, change):
        """The grants inline replaces the license's grants through the service, in one audited change."""
        grants = []
        for formset in formsets:
            for row in formset.forms:
                data = getattr(row, "cleaned_data", None)
                if data and not data.get("DELETE"):
                    grants.append(
                        {f: data[f] for f in GRANT_FIELDS}
                        | {"productions": list(data["productions"])}
                    )
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        services.license_update(actor=request.user, license=request._license, grants=grants)

    def _set_status(self, request, queryset, status):
        for license in queryset:
            try:
                services.license_set_status(actor=request.user, license=license, status=status)
            except (Conflict, PermissionDenied) as exc:
                self.message_user(request, f"{license.reference}: {exc}", messages.WARNING)

    @admin.action(description="Suspend selected licenses")
    def suspend(self, request, queryset):
        self._set_status(request, queryset, LicenseStatus.SUSPENDED)

    @admin.action(description="Activate or reinstate selected licenses")
    def reinstate(self, request, queryset):
        self._set_status(request, queryset, LicenseStatus.ACTIVE)

    @admin.action(description="Terminate selected licenses (final)")
    def terminate(self, request, queryset):
        self._set_status(request, queryset, LicenseStatus.TERMINATED)


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Consent)
class ConsentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["person", "scope", "valid_from", "valid_until", "signed_by", "state"]
    list_filter = ["scope", "productions", ConsentExpiringFilter]
    search_fields = ["person__name", "signed_by"]
    list_select_related = ["person", "revocation"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="State")
    def state(self, obj):
        revocation = getattr(obj, "revocation", None)
        if revocation is not None:
            return badge("#c62828", f"revoked {revocation.revoked_at:%Y-%m-%d}")
        if obj.valid_until and obj.valid_until <= timezone.now():
            return badge("#555", "expired")
        return badge("#2e7d32", "in force")

    @admin.action(description="Revoke selected consents…")
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            done = 0
            for consent in queryset:
                try:
                    services.consent_revoke(
                        actor=request.user, consent=consent, reason=form.cleaned_data["reason"]
                    )
                    done += 1
                except (Conflict, PermissionDenied, ValidationError) as exc:
                    self.message_user(
                        request,
                        f"{consent}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                        messages.WARNING,
                    )
            self.message_user(request, f"Revoked {done} consent(s).")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke consents",
            "consents": queryset,
            "form": form,
            "opts": self.model._meta,
            "action": "revoke",
        }
        return TemplateResponse(request, "admin/licensing/revoke_confirm.html", context)


@admin.register(ClearanceRequest)
class ClearanceRequestAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "production",
        "action",
        "territory",
        "media",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "action", "production"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GateEvaluation)
class GateEvaluationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "production",
        "action",
        "allowed",
        "subject_type",
        "subject_id",
        "evaluated_by",
    ]
    list_filter = ["allowed", "action", "production"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, ScopeAction.AUDIT)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LinkLicenseForm(forms.Form):
    license = forms.ModelChoiceField(queryset=License.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["license"].queryset = License.objects.restrict(user, ScopeAction.LEGAL).filter(
            coverage="listed"
        )


@admin.action(description="Link a license to these assets…")
def link_license(modeladmin, request, queryset):
    form = LinkLicenseForm(request.POST if "confirm" in request.POST else None, user=request.user)
    if form.is_valid():
        try:
            added = services.license_link_assets(
                actor=request.user, license=form.cleaned_data["license"], assets=list(queryset)
            )
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(
                request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR
            )
            return None
        modeladmin.message_user(
            request, f"Linked {added} asset(s) to {form.cleaned_data['license'].reference}."
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Link a license",
        "assets": queryset,
        "form": form,
        "opts": modeladmin.model._meta,
        "action": "link_license",
    }
    return TemplateResponse(request, "admin/licensing/link_license.html", context)


AssetAdmin.actions = [*AssetAdmin.actions, link_license]
