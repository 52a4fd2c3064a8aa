"""The edit desk's admin pages: request an edit, check its rights first, follow and cancel jobs.

Every read goes through ``.restrict(request.user)``; every write is a service call with the signed-in
user as the actor.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assets.models import Asset
from editing import services
from editing.admin_forms import EditRequestForm, operation_needs
from editing.choices import FINISHED, JobStatus
from editing.models import EditJob
from editing.operations import OPERATIONS
from studio.admin_badges import LIGHT_GREY
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.scoping import has_production_access
from studio.values import row_id

BROWSER_IMAGES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
BROWSER_VIDEOS = {"video/mp4", "video/webm"}
SERVICE_ERRORS = (ValidationError, PermissionDenied, Conflict)


# --- what the pages show of assets and jobs --------------------------------------------------------


def asset_media(asset: Asset) -> dict:
    """Where the browser finds a picture of the asset: the proxy, else the original, else a thumbnail."""

    def api(name):
        return reverse(f"v1:asset-{name}", args=[asset.pk])

    thumb = api("thumbnail") if asset.thumbnail_key else None
    if asset.kind == "video":
        video = api("proxy") if asset.proxy_key else None
        if video is None and asset.mime_type in BROWSER_VIDEOS:
            video = api("original")
        return {"image": thumb, "video": video, "poster": thumb}
    image = api("proxy") if asset.proxy_key else None
    if image is None and asset.mime_type in BROWSER_IMAGES:
        image = api("original")
    return {"image": image or thumb, "video": None, "poster": thumb}


def asset_info(asset: Asset) -> dict:
    fps = float(Fraction(asset.fps)) if asset.fps else 0.0
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "label": asset.original_filename,
        "production": asset.production.code,
        "width": asset.width or 0,
        "height": asset.height or 0,
        "frames": asset.frame_count or 0,
        "fps": fps,
        "url": reverse("admin:assets_asset_change", args=[asset.pk]),
        **asset_media(asset),
    }


def job_state(job: EditJob, colors: dict) -> dict:
    output = None
    if job.output_id:
        output = {"id": job.output_id, **asset_media(job.output)}
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "color": colors.get(job.status, LIGHT_GREY),
        "percent": job.progress_percent,
        "stage": job.progress_stage,
        "finished": job.status in FINISHED,
        "cancellable": job.status not in FINISHED and not job.cancel_requested,
        "error": job.error,
        "output": output,
        "url": reverse("admin:editing_editjob_change", args=[job.pk]),
    }


def job_decisions(job: EditJob, user) -> list[dict]:
    """The gate's stored decisions on the job, with their reasons, for everyone who may see the job;
    a link to the decision log only for those who may read it."""
    may_audit = has_production_access(user, job.production_id, ScopeAction.AUDIT)
    decisions = []
    for moment, evaluation in (("submit", job.submit_evaluation), ("start", job.start_evaluation)):
        if evaluation is None:
            continue
        decisions.append(
            {
                "moment": "when requested" if moment == "submit" else "when the worker started",
                "evaluation": evaluation,
                "blocking": [r for r in evaluation.reasons if r.get("blocking")],
                "relied_on": [r for r in evaluation.reasons if not r.get("blocking")],
                "url": reverse("admin:licensing_gateevaluation_change", args=[evaluation.pk])
                if may_audit
                else None,
            }
        )
    return decisions


def clearance_link(job: EditJob) -> str:
    """The clearance request add form, prefilled with the use the gate refused."""
    op = OPERATIONS.get(job.operation)
    params = {
        "production": job.production_id,
        "assets": ",".join(str(pk) for pk in job.inputs.values_list("pk", flat=True)),
        "action": op.rights_action if op else "ai_edit",
        "territory": job.territory,
        "media": job.media,
        "language": job.language,
        "purpose": f"Edit #{job.pk} ({job.operation}) was refused by the gate.",
    }
    return f"{reverse('admin:licensing_clearancerequest_add')}?{urlencode(params)}"


# --- the request page ------------------------------------------------------------------------------


def _initial(request, form_class_user) -> dict:
    asset_id = row_id(request.GET.get("asset", ""))
    if asset_id is None:
        return {}
    asset = (
        Asset.objects.restrict(form_class_user, ScopeAction.CHANGE)
        .filter(pk=asset_id, kind__in=["video", "image"])
        .first()
    )
    return {"input": asset} if asset else {}


def request_page(model_admin, request):
    form = EditRequestForm(
        request.POST or None, user=request.user, initial=_initial(request, request.user)
    )
    refused = None
    if request.method == "POST" and form.is_valid():
        job = _submit(form, request)
        if job is not None and job.status == JobStatus.DENIED:
            refused = job
        elif job is not None:
            model_admin.message_user(
                request, f"Edit #{job.pk} requested: {job.get_status_display()}."
            )
            return redirect("admin:editing_editjob_change", job.pk)
    assets = form.fields["input"].queryset
    chosen = form["input"].value()
    context = {
        **model_admin.admin_site.each_context(request),
        "form": form,
        "title": "Request an edit",
        "opts": model_admin.model._meta,
        "operations": operation_needs(),
        "assets": {str(a.pk): asset_info(a) for a in assets},
        "adapter_tasks": {
            str(a.pk): a.model_version.task
            for a in form.fields["adapter"].queryset.select_related("model_version")
        },
        "chosen": str(chosen or ""),
        "refused": refused,
        "decisions": job_decisions(refused, request.user) if refused else [],
        "clearance_url": clearance_link(refused) if refused else "",
    }
    return TemplateResponse(request, "admin/editing/request_edit.html", context)


def _submit(form: EditRequestForm, request) -> EditJob | None:
    data = form.cleaned_data
    asset = data["input"]
    try:
        return services.edit_job_submit(
            actor=request.user,
            production=asset.production,
            operation=data["operation"],
            inputs=[asset],
            territory=data["territory"],
            media=data["media"],
            language=data["language"],
            mask=data["mask"],
            mask_polygons=data["mask_polygons"] or None,
            prompt=data["prompt"],
            parameters=form.parameters(),
            adapters=form.adapters(),
            at=data.get("at"),
        )
    except ValidationError as exc:
        form.add_service_error(exc)
    except (PermissionDenied, Conflict) as exc:
        form.add_error(None, str(exc))
    return None


def check_view(model_admin, request):
    """The gate's answer for the request on the page, as JSON; nothing is stored."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = EditRequestForm(request.POST, user=request.user)
    form.is_valid()
    data = form.cleaned_data
    missing = [f for f in ("operation", "input", "territory", "media") if f not in data]
    if missing:
        errors = [f"{form[f].label}: {' '.join(form.errors.get(f, ['required']))}" for f in missing]
        return JsonResponse({"errors": errors}, status=400)
    try:
        decision = services.edit_job_check(
            actor=request.user,
            operation=data["operation"],
            inputs=[data["input"]],
            territory=data["territory"],
            media=data["media"],
            language=data.get("language", ""),
            adapters=form.adapters() if "adapter" in data else [],
            at=data.get("at"),
        )
    except ValidationError as exc:
        return JsonResponse({"errors": exc.messages}, status=400)
    return JsonResponse(decision.as_dict())


# --- following jobs --------------------------------------------------------------------------------


def progress_view(model_admin, request, object_id):
    job = model_admin.get_queryset(request).select_related("output").filter(pk=object_id).first()
    if job is None:
        raise Http404("No such edit job.")
    return JsonResponse(job_state(job, model_admin.colors))


def progress_list_view(model_admin, request):
    ids = [i for i in map(row_id, request.GET.get("ids", "").split(",")[:200]) if i is not None]
    jobs = model_admin.get_queryset(request).select_related("output").filter(pk__in=ids)
    return JsonResponse({"jobs": [job_state(job, model_admin.colors) for job in jobs]})


def finished_view(model_admin, request):
    """My jobs that ran and finished since ``since`` (the server's time of the previous answer).

    A request refused or cancelled before it started is answered on the page that made it.
    """
    now = timezone.now()
    try:
        since = parse_datetime(request.GET.get("since", ""))
        since = since.astimezone(dt.UTC) if since is not None and since.tzinfo else None
    except (ValueError, OverflowError):  # written like an instant, but none (month 13, year 0)
        since = None
    if since is None or since < now - dt.timedelta(hours=1):
        return JsonResponse({"now": now.isoformat(), "jobs": []})
    jobs = (
        model_admin.get_queryset(request)
        .filter(requested_by_id=request.user.pk, finished_at__gt=since, finished_at__lte=now)
        .exclude(started_at=None)
        .order_by("finished_at")[:20]
    )
    return JsonResponse(
        {
            "now": now.isoformat(),
            "jobs": [
                {**job_state(job, model_admin.colors), "operation": job.operation} for job in jobs
            ],
        }
    )


def cancel_view(model_admin, request, object_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    job = model_admin.get_queryset(request).filter(pk=object_id).first()
    if job is None:
        raise Http404("No such edit job.")
    try:
        job = services.edit_job_cancel(actor=request.user, job=job)
    except SERVICE_ERRORS as exc:
        model_admin.message_user(request, f"Edit #{job.pk}: {exc}", messages.WARNING)
    else:
        model_admin.message_user(request, f"Edit #{job.pk}: cancel requested ({job.status}).")
    return redirect("admin:editing_editjob_change", job.pk)


def detail_page(model_admin, request, object_id: str):
    """The job's page; an id that is not one is a missing job, like one of another production."""
    pk = row_id(object_id)
    job = (
        model_admin.get_queryset(request)
        .select_related("output", "submit_evaluation", "start_evaluation", "model_version")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if job is None:
        raise Http404("No such edit job.")
    source = job.inputs.select_related("production").first()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Edit #{job.pk}: {job.operation}",
        "opts": model_admin.model._meta,
        "job": job,
        "state": job_state(job, model_admin.colors),
        "operation": OPERATIONS.get(job.operation),
        "source": source,
        "source_info": asset_info(source) if source else None,
        "output_info": asset_info(job.output) if job.output_id else None,
        "adapters": list(job.editjobadapter_set.select_related("adapter")),
        "decisions": job_decisions(job, request.user),
        "clearance_url": clearance_link(job) if job.status == JobStatus.DENIED else "",
        "may_change": has_production_access(request.user, job.production_id, ScopeAction.CHANGE),
        # The graph names licenses and consents: legal's read side, as on the asset's page.
        "provenance_url": (
            reverse("provenance-job", args=[job.pk])
            if has_production_access(request.user, job.production_id, ScopeAction.AUDIT)
            else ""
        ),
    }
    return TemplateResponse(request, "admin/editing/editjob/detail.html", context)
