import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from assets.models import Asset
from editing import services
from editing.choices import JobStatus
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from editing.operations import OPERATIONS
from licensing.choices import Media
from studio.admin import ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdmin
from studio.admin_badges import BLUE, GREEN, GREY, LIGHT_GREY, PURPLE, RED, choice_badge
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production

JOB_COLORS = {
    JobStatus.PENDING: LIGHT_GREY,
    JobStatus.QUEUED: BLUE,
    JobStatus.RUNNING: PURPLE,
    JobStatus.SUCCEEDED: GREEN,
    JobStatus.FAILED: RED,
    JobStatus.DENIED: RED,
    JobStatus.CANCELLED: GREY,
}


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Model versions are registered through the API or a command (editing.services.model_register)."""

    list_display = ["family", "version", "task", "status", "short_hash", "max_side", "created_at"]
    list_filter = ["task", "status"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]

    @admin.display(description="weights SHA-256")
    def short_hash(self, obj):
        return f"{obj.weights_sha256[:16]}…"


@admin.register(Adapter)
class AdapterAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Adapters are registered by their training runs (editing.services.adapter_register)."""

    list_display = [
        "name",
        "production",
        "model_version",
        "status",
        "weights",
        "ledger_hash",
        "created_at",
    ]
    list_filter = ["status", "production"]
    readonly_fields = [*(f.name for f in Adapter._meta.fields), "ledger"]

    @admin.display(description="weights")
    def weights(self, obj):
        return f"{obj.weights_sha256[:12]}…"

    @admin.display(description="ledger")
    def ledger_hash(self, obj):
        return f"{obj.training_ledger_sha256[:12]}…" if obj.training_ledger_sha256 else "—"

    @admin.display(description="training ledger")
    def ledger(self, obj):
        if not obj.training_run_id:
            return "—"
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.training_run.ledger, indent=2, default=str)
        )


class EditRequestForm(forms.Form):
    production = forms.ModelChoiceField(queryset=Production.objects.none())
    operation = forms.ChoiceField(
        choices=[(name, op.label) for name, op in sorted(OPERATIONS.items())]
    )
    input = forms.ModelChoiceField(queryset=Asset.objects.none(), label="Clip or still")
    mask = forms.ModelChoiceField(
        queryset=Asset.objects.none(), required=False, help_text="white marks the region"
    )
    prompt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    territory = forms.CharField(max_length=2, initial="US")
    media = forms.ChoiceField(choices=Media.choices, initial=Media.SVOD)
    frame_start = forms.IntegerField(required=False, min_value=0)
    frame_end = forms.IntegerField(required=False, min_value=1)
    adapter = forms.ModelChoiceField(queryset=Adapter.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["production"].queryset = Production.objects.restrict(user, ScopeAction.CHANGE)
        assets = Asset.objects.restrict(user, ScopeAction.CHANGE).filter(
            kind__in=["video", "image"]
        )
        self.fields["input"].queryset = assets
        self.fields["mask"].queryset = assets.filter(kind="image")
        self.fields["adapter"].queryset = Adapter.objects.restrict(user).filter(status="active")


@admin.register(EditJob)
class EditJobAdmin(ScopedAdminMixin, ServiceAdmin):
    """Edits are requested on the request page (edit_job_submit); cancel and recall are actions."""

    list_display = [
        "pk",
        "operation",
        "production",
        "status_badge",
        "progress",
        "requested_by",
        "preview",
        "created_at",
    ]
    list_filter = ["status", "operation", "production"]
    list_select_related = ["production", "output"]
    readonly_fields = [f.name for f in EditJob._meta.fields]
    actions = ["cancel", "recall"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return choice_badge(JOB_COLORS, obj.status, obj.get_status_display())

    @admin.display(description="Progress")
    def progress(self, obj):
        return format_html(
            '<progress max="100" value="{}"></progress> {}',
            obj.progress_percent,
            obj.progress_stage,
        )

    @admin.display(description="Output")
    def preview(self, obj):
        if not obj.output_id:
            return "—"
        link = reverse("admin:assets_asset_change", args=[obj.output_id])
        if obj.output.thumbnail_key:
            thumb = reverse("v1:asset-thumbnail", args=[obj.output_id])
            return format_html(
                '<a href="{}"><img src="{}" style="height:48px" alt=""></a>', link, thumb
            )
        return format_html('<a href="{}">asset {}</a>', link, obj.output_id)

    def get_urls(self):
        return [
            path(
                "request/",
                self.admin_site.admin_view(self.request_view),
                name="editing_editjob_request",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("admin:editing_editjob_request")

    def request_view(self, request):
        form = EditRequestForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            params = {k: data[k] for k in ("frame_start", "frame_end") if data.get(k) is not None}
            try:
                job = services.edit_job_submit(
                    actor=request.user,
                    production=data["production"],
                    operation=data["operation"],
                    inputs=[data["input"]],
                    territory=data["territory"],
                    media=data["media"],
                    mask=data["mask"],
                    prompt=data["prompt"],
                    parameters=params,
                    adapters=[(data["adapter"], 1.0)] if data["adapter"] else [],
                )
            except (ValidationError, PermissionDenied, Conflict) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                level = messages.SUCCESS if job.status == JobStatus.QUEUED else messages.ERROR
                self.message_user(request, f"Edit #{job.pk}: {job.status}. {job.error}", level)
                return redirect("admin:editing_editjob_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Request an edit",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/editing/request_edit.html", context)

    @admin.action(description="Cancel selected jobs")
    def cancel(self, request, queryset):
        for job in queryset:
            try:
                services.edit_job_cancel(actor=request.user, job=job)
            except Exception as exc:  # noqa: BLE001  (reported to the user, per job)
                self.message_user(request, f"Edit #{job.pk}: {exc}", messages.WARNING)

    @admin.action(description="Run selected jobs again (new gate decision)")
    def recall(self, request, queryset):
        for job in queryset:
            try:
                new = services.edit_job_recall(actor=request.user, job=job)
                self.message_user(request, f"Edit #{job.pk} → #{new.pk}: {new.status}")
            except Exception as exc:  # noqa: BLE001  (reported to the user, per job)
                self.message_user(request, f"Edit #{job.pk}: {exc}", messages.WARNING)


@admin.register(TrainingRun)
class TrainingRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Training runs are started through the API (training_run_submit) and shown here."""

    list_display = [
        "pk",
        "name",
        "production",
        "status",
        "progress_percent",
        "ledger_sha256",
        "created_at",
    ]
    list_filter = ["status", "production"]
    readonly_fields = [f.name for f in TrainingRun._meta.fields]
