import json

from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from editing import admin_views, services
from editing.choices import FINISHED, JobStatus
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from studio.admin_badges import (
    BLUE,
    GREEN,
    GREY,
    LIGHT_GREY,
    ORANGE,
    PURPLE,
    RED,
    choice_badge,
)
from studio.admin_base import SERVICE_ERRORS, ReadOnlyAdminMixin, ScopedAdminMixin, ServiceAdmin
from studio.values import row_id

JOB_COLORS = {
    JobStatus.PENDING: LIGHT_GREY,
    JobStatus.QUEUED: BLUE,
    JobStatus.RUNNING: PURPLE,
    JobStatus.ORPHANED: ORANGE,
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


@admin.register(EditJob)
class EditJobAdmin(ScopedAdminMixin, ServiceAdmin):
    """Edits are requested on the request page (edit_job_submit); a job's page follows it live and
    cancels it (edit_job_cancel); recall is a list action (edit_job_recall)."""

    colors = JOB_COLORS
    list_display = [
        "number",
        "thumbnail",
        "operation",
        "input_link",
        "status_badge",
        "requested_by",
        "created",
    ]
    list_display_links = ["number", "operation"]
    list_filter = ["status", "operation", ("production", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["production", "output"]
    list_per_page = 50
    readonly_fields = [f.name for f in EditJob._meta.fields]
    actions = ["cancel", "recall"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("inputs")

    @admin.display(description="#", ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description="")
    def thumbnail(self, obj):
        shown = obj.output if obj.output_id else _first_input(obj)
        if shown is None or not shown.thumbnail_key:
            return format_html(
                '<span class="cc-thumb cc-thumb-empty" data-job-thumb="{}"></span>', obj.pk
            )
        return format_html(
            '<img class="cc-thumb" data-job-thumb="{}" src="{}" alt="">',
            obj.pk,
            reverse("v1:asset-thumbnail", args=[shown.pk]),
        )

    @admin.display(description="Input")
    def input_link(self, obj):
        source = _first_input(obj)
        if source is None:
            return "—"
        return format_html(
            '<a href="{}" class="cc-ellipsis" title="{}">{}</a>',
            reverse("admin:assets_asset_change", args=[source.pk]),
            source.original_filename,
            source.original_filename,
        )

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return status_cell(obj)

    @admin.display(description="Created", ordering="created_at")
    def created(self, obj):
        return format_html(
            '<span class="cc-nowrap">{}</span>',
            timezone.localtime(obj.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        )

    def get_urls(self):
        def view(function, name, route):
            def wrapped(request, *args, **kwargs):
                return function(self, request, *args, **kwargs)

            return path(route, self.admin_site.admin_view(wrapped), name=name)

        return [
            view(admin_views.request_page, "editing_editjob_request", "request/"),
            view(admin_views.check_view, "editing_editjob_check", "request/check/"),
            view(admin_views.progress_list_view, "editing_editjob_progress_list", "progress/"),
            view(admin_views.finished_view, "editing_editjob_finished", "finished/"),
            view(
                admin_views.progress_view, "editing_editjob_progress", "<int:object_id>/progress/"
            ),
            view(admin_views.cancel_view, "editing_editjob_cancel", "<int:object_id>/cancel/"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        target = reverse("admin:editing_editjob_request")
        asset = row_id(request.GET.get("asset", ""))
        return redirect(f"{target}?asset={asset}" if asset is not None else target)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            return super().change_view(request, object_id, form_url, extra_context)
        return admin_views.detail_page(self, request, object_id)

    @admin.action(description="Cancel selected jobs")
    def cancel(self, request, queryset):
        for job in queryset:
            try:
                services.edit_job_cancel(actor=request.user, job=job)
            except SERVICE_ERRORS as exc:
                self.message_user(request, f"Edit #{job.pk}: {exc}", messages.WARNING)

    @admin.action(description="Run selected jobs again (new gate decision)")
    def recall(self, request, queryset):
        for job in queryset:
            try:
                new = services.edit_job_recall(actor=request.user, job=job)
                self.message_user(request, f"Edit #{job.pk} → #{new.pk}: {new.status}")
            except SERVICE_ERRORS as exc:
                self.message_user(request, f"Edit #{job.pk}: {exc}", messages.WARNING)


def _first_input(job):
    inputs = list(job.inputs.all())  # prefetched with the list
    return inputs[0] if inputs else None


def status_cell(job):
    """The status badge with the progress under it; the list's script updates both in place."""
    live = "" if job.status in FINISHED else "1"
    color = JOB_COLORS.get(job.status, LIGHT_GREY)
    if job.status == JobStatus.DENIED:
        return format_html(
            '<div class="cc-status" data-job-id="{}" data-live="">'
            '<a class="cc-badge-link" href="{}#decision" title="the reasons">'
            '<span class="cc-badge" style="background:{}">{} – why?</span></a></div>',
            job.pk,
            reverse("admin:editing_editjob_change", args=[job.pk]),
            color,
            job.get_status_display(),
        )
    return format_html(
        '<div class="cc-status" data-job-id="{}" data-live="{}">'
        '<span class="cc-badge" style="background:{}" title="{}">{}</span>'
        '<progress class="cc-progress" max="100" value="{}"></progress>'
        '<span class="cc-step">{}</span></div>',
        job.pk,
        live,
        color,
        orphan_note(job),
        job.get_status_display(),
        job.progress_percent,
        f"{job.progress_percent}% {job.progress_stage}".strip() if live else "",
    )


def orphan_note(run) -> str:
    """Why a run shows as orphaned (its worker stopped renewing the lease), for the badge's title."""
    if run.status != JobStatus.ORPHANED:
        return ""
    return (
        f"Its worker {run.worker} stopped renewing its lease; queued again "
        f"(attempt {run.attempts + 1} of at most {settings.EDITING_MAX_ATTEMPTS})."
    )


@admin.register(TrainingRun)
class TrainingRunAdmin(ScopedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Training runs are started through the API (training_run_submit) and shown here."""

    list_display = [
        "pk",
        "name",
        "production",
        "status_badge",
        "progress_percent",
        "ledger_sha256",
        "created_at",
    ]
    list_filter = ["status", "production"]
    readonly_fields = [f.name for f in TrainingRun._meta.fields]

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        return format_html(
            '<span title="{}">{}</span>',
            orphan_note(obj),
            choice_badge(JOB_COLORS, obj.status, obj.get_status_display()),
        )
