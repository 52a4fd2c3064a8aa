"""The clearance request pages: filed through the service (no decision fields), decided by legal
on their own page with the gate's answer after approval previewed."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from licensing import services
from licensing.choices import ClearanceStatus
from licensing.models import (
    ClearanceRequest,
    License,
)
from studio.admin_badges import GREEN, ORANGE, RED, choice_badge
from studio.admin_base import SERVICE_ERRORS, ScopedAdminMixin, ServiceAdmin
from studio.admin_pages import refused
from studio.choices import ScopeAction
from studio.forms import add_refusal
from studio.scoping import has_production_access

CLEARANCE_REQUEST_FIELDS = (
    "action",
    "territory",
    "media",
    "language",
    "use_from",
    "use_until",
    "purpose",
)
CLEARANCE_DECISION_FIELDS = [
    "status",
    "requested_by",
    "decided_by",
    "decided_at",
    "decision_notes",
    "created_grant",
    "created_at",
]


class ClearanceRequestForm(forms.ModelForm):
    class Meta:
        model = ClearanceRequest
        fields = ["production", "assets", *CLEARANCE_REQUEST_FIELDS]


class LicenseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} — {obj.title} ({obj.get_status_display().lower()})"


class DecideForm(forms.Form):
    """Legal's decision on one clearance request; the status and who decided are the service's."""

    license = LicenseChoiceField(
        queryset=License.objects.none(),
        required=False,
        empty_label="No grant: record the decision only",
        help_text="Approving adds a grant for exactly this use to the license you pick.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        help_text="Required when you reject.",
    )

    def __init__(self, *args, clearance: ClearanceRequest, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["license"].queryset = (
            License.objects.restrict(user, ScopeAction.LEGAL)
            .filter(production_id=clearance.production_id)
            .order_by("reference", "pk")
        )


@admin.register(ClearanceRequest)
class ClearanceRequestAdmin(ScopedAdminMixin, ServiceAdmin):
    """A coordinator asks here; legal decides on the request's decide page (the decide service),
    never in this form."""

    scoped_choices = {"production": ScopeAction.CHANGE, "assets": ScopeAction.CHANGE}

    form = ClearanceRequestForm
    change_form_template = "admin/licensing/clearancerequest/change_form.html"
    list_display = [
        "pk",
        "production",
        "action",
        "territory",
        "media",
        "status_badge",
        "requested_by",
        "asked_at",
        "decided_by",
    ]
    list_select_related = ["production"]
    list_filter = ["status", "action", "production"]
    autocomplete_fields = ["assets"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return CLEARANCE_DECISION_FIELDS if obj else []

    def get_changeform_initial_data(self, request):
        """Prefilled from the query string (a refused edit links here with its production, assets,
        action, territory, media, language and purpose); the use starts now unless given."""
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("use_from", timezone.now().replace(second=0, microsecond=0))
        if isinstance(initial.get("territory"), str):
            initial["territory"] = initial["territory"].upper()
        return initial

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        obj.pk = services.clearance_request_create(
            actor=request.user,
            production=data["production"],
            assets=list(data["assets"]),
            **{field: data[field] for field in CLEARANCE_REQUEST_FIELDS},
        ).pk

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return choice_badge(CLEARANCE_COLORS, obj.status, obj.get_status_display())

    @admin.display(description="Asked", ordering="created_at")
    def asked_at(self, obj):
        return f"{timezone.localtime(obj.created_at):%Y-%m-%d %H:%M:%S}"

    def get_urls(self):
        decide = path(
            "<path:object_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="licensing_clearancerequest_decide",
        )
        return [decide, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        may_decide = obj is not None and _may_decide(request, obj)
        extra = {"may_decide": may_decide and obj.status == ClearanceStatus.PENDING}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def decide_view(self, request, object_id):
        """Approve (optionally with a grant) or reject, after seeing what the gate would answer."""
        clearance = self.get_object(request, object_id)
        if clearance is None:
            raise Http404("No such clearance request.")
        if not _may_decide(request, clearance):
            return refused(
                request,
                "Only the production's legal staff decide clearance requests. You can follow "
                "this request on its page; legal will approve or reject it.",
                title="Legal staff only",
            )
        if clearance.status != ClearanceStatus.PENDING or request.method != "POST":
            form = DecideForm(request.GET or None, clearance=clearance, user=request.user)
            return self._decide_page(request, clearance, form)
        form = DecideForm(request.POST, clearance=clearance, user=request.user)
        verdict = next((v for v in ("approve", "reject") if f"_{v}" in request.POST), None)
        if not form.is_valid() or verdict is None:  # a preview, or a form to correct
            return self._decide_page(request, clearance, form)
        try:
            services.clearance_request_decide(
                actor=request.user,
                request=clearance,
                approve=verdict == "approve",
                notes=form.cleaned_data["notes"],
                grant_on=form.cleaned_data["license"] if verdict == "approve" else None,
            )
        except SERVICE_ERRORS as exc:
            add_refusal(form, exc)
            return self._decide_page(request, clearance, form)
        self.message_user(
            request, f"Clearance request #{clearance.pk} {verdict}d.", messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:licensing_clearancerequest_change", args=[clearance.pk])
        )

    def _decide_page(self, request, clearance, form):
        license = form.cleaned_data.get("license") if form.is_bound and form.is_valid() else None
        preview = None
        if clearance.status == ClearanceStatus.PENDING:
            preview = services.clearance_request_preview(
                actor=request.user, request=clearance, grant_on=license
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Decide clearance request #{clearance.pk}",
            "opts": self.model._meta,
            "original": clearance,
            "clearance": clearance,
            "assets": list(clearance.assets.order_by("pk")),
            "form": form,
            "license": license,
            "preview": preview,
            "pending": clearance.status == ClearanceStatus.PENDING,
        }
        return TemplateResponse(request, "admin/licensing/clearancerequest/decide.html", context)


CLEARANCE_COLORS = {
    ClearanceStatus.PENDING: ORANGE,
    ClearanceStatus.APPROVED: GREEN,
    ClearanceStatus.REJECTED: RED,
}


def _may_decide(request, clearance: ClearanceRequest) -> bool:
    return has_production_access(request.user, clearance.production_id, ScopeAction.LEGAL)
