import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from assets.admin import AssetAdmin
from licensing import (
    admin_clearance,  # noqa: F401  (registers the clearance request pages)
    services,
)
from licensing.choices import LicenseStatus
from licensing.models import (
    Consent,
    GateEvaluation,
    Grant,
    License,
    Party,
    TaintCause,
)
from licensing.services.consents import CONSENT_FIELDS
from licensing.services.licenses import GRANT_FIELDS
from licensing.services.taint import taint_preview
from studio.admin_badges import GREEN, GREY, LIGHT_GREY, ORANGE, RED, badge, choice_badge
from studio.admin_base import SERVICE_ERRORS, ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdmin
from studio.choices import ScopeAction
from studio.exceptions import Conflict

LICENSE_COLORS = {
    LicenseStatus.DRAFT: LIGHT_GREY,
    LicenseStatus.ACTIVE: GREEN,
    LicenseStatus.SUSPENDED: ORANGE,
    LicenseStatus.TERMINATED: RED,
    LicenseStatus.EXPIRED: GREY,
}
# The license fields a legal user edits on the license page; status changes are actions.
LICENSE_FORM_FIELDS = (
    "reference",
    "title",
    "licensor",
    "licensee",
    "starts_at",
    "ends_at",
    "coverage",
    "contract_document",
)


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
class PartyAdmin(ServiceAdmin):
    """Parties are recorded, not edited: a renamed party is recorded as a new one."""

    list_display = ["name", "kind", "contact_email"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
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
class LicenseAdmin(ScopedAdminMixin, ServiceAdmin):
    scoped_choices = {"production": ScopeAction.LEGAL, "contract_document": ScopeAction.LEGAL}
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

    def get_readonly_fields(self, request, obj=None):
        # A license stays with the production it was recorded for (its scope and audit chain).
        return ["status", "production"] if obj else ["status"]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return choice_badge(LICENSE_COLORS, obj.status, obj.get_status_display())

    def save_model(self, request, obj, form, change):
        """Saved with its grants in save_related: one service call, one audit event."""

    def save_related(self, request, form, formsets, change):
        """The license and its grants inline go to the service together, as one audited change."""
        fields = {f: form.cleaned_data.get(f) for f in LICENSE_FORM_FIELDS}
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
        if change:
            saved = services.license_update(
                actor=request.user, license=form.instance, grants=grants, **fields
            )
        else:
            saved = services.license_create(
                actor=request.user,
                production=form.cleaned_data["production"],
                grants=grants,
                **fields,
            )
        form.instance.pk = saved.pk

    def _set_status(self, request, queryset, status):
        for license in queryset:
            try:
                services.license_set_status(actor=request.user, license=license, status=status)
            except (Conflict, PermissionDenied, ValidationError) as exc:
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


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["person", "productions", *CONSENT_FIELDS, "evidence"]


@admin.register(Consent)
class ConsentAdmin(ScopedAdminMixin, ServiceAdmin):
    """Consents are recorded here and revoked with the action; a recorded consent is never edited."""

    scoped_choices = {
        "person": ScopeAction.LEGAL,
        "evidence": ScopeAction.LEGAL,
        "productions": ScopeAction.LEGAL,
    }

    form = ConsentForm
    list_display = ["person", "scope", "valid_from", "valid_until", "signed_by", "state"]
    list_filter = ["scope", "productions", ConsentExpiringFilter]
    search_fields = ["person__name", "signed_by"]
    list_select_related = ["person", "revocation"]
    filter_horizontal = ["productions"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        obj.pk = services.consent_create(
            actor=request.user,
            person=data["person"],
            productions=list(data["productions"]),
            evidence=data.get("evidence"),
            **{field: data[field] for field in CONSENT_FIELDS},
        ).pk

    @admin.display(description="State")
    def state(self, obj):
        problems = obj.problems
        if problems:
            return badge(RED, "not effective: " + "; ".join(p["message"] for p in problems))
        revocation = getattr(obj, "revocation", None)
        if revocation is not None:
            return badge(RED, f"revoked {revocation.revoked_at:%Y-%m-%d}")
        if obj.valid_until and obj.valid_until <= timezone.now():
            return badge(GREY, "expired")
        return badge(GREEN, "in force")

    @admin.action(description="Revoke selected consents…")
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            self._revoke(request, queryset, form.cleaned_data["reason"])
            return None
        consents = list(queryset.select_related("person", "revocation"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke consents",
            "consents": consents,
            "previews": [
                (c, taint_preview(cause_type=TaintCause.CONSENT, cause_id=c.pk)) for c in consents
            ],
            "form": form,
            "opts": self.model._meta,
            "action": "revoke",
        }
        return TemplateResponse(request, "admin/licensing/revoke_confirm.html", context)

    def _revoke(self, request, queryset, reason: str) -> None:
        done, counts = 0, {}
        for consent in queryset:
            try:
                preview = taint_preview(cause_type=TaintCause.CONSENT, cause_id=consent.pk)
                services.consent_revoke(actor=request.user, consent=consent, reason=reason)
            except SERVICE_ERRORS as exc:
                self.message_user(
                    request,
                    f"{consent}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.WARNING,
                )
                continue
            done += 1
            for kind, count in preview.counts.items():
                counts[kind] = counts.get(kind, 0) + count
        if done:
            self.message_user(request, _revoked_message(done, counts), messages.SUCCESS)


def _tainted_report_url() -> str:
    # The report lives on the legal floor; it is reached by its URL name, never imported.
    try:
        return reverse("legal-report", args=["tainted"])
    except NoReverseMatch:
        return ""


def _revoked_message(done: int, counts: dict[str, int]):
    tainted = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(counts.items()))
    text = f"Revoked {done} consent(s). " + (
        f"Tainting {tainted} that relied on them." if tainted else "Nothing relied on them."
    )
    url = _tainted_report_url()
    if not url:
        return text
    return format_html('{} <a href="{}">See the tainted report</a>.', text, url)


# What a coordinator asks for; who asked, the status and the decision are the service's to write.
@admin.register(GateEvaluation)
class GateEvaluationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
