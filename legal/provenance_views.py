"""The provenance graph page of an asset (or of an edit job, drawn around its output): the picture
(SVG) with the node it is about highlighted and scrolled into view, and the PROV-JSON beside it.

Stable addresses for other pages to link to: ``/legal/provenance/<asset id>/`` and
``/legal/provenance/job/<edit job id>/``."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from assets.selectors import access_asset
from editing.models import EditJob
from legal.graph import GraphvizMissing, build_graph, render_svg
from studio.auth import admin_access


def _picture(request, asset_id: int, focus: str = ""):
    """The SVG and the asset; the same 404 for an asset that is missing or out of the user's reach."""
    if not admin_access(request):
        raise Http404("No such asset.")
    asset = access_asset(request.user, asset_id)
    graph = build_graph(asset, principal=request.user)
    focus = focus if focus in graph.nodes else f"asset_{asset.pk}"
    return render_svg(graph, focus=focus), asset, focus


def _page(request, asset_id: int, *, focus: str = "", job=None):
    try:
        svg, asset, focus = _picture(request, asset_id, focus)
    except GraphvizMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    context = {
        **admin.site.each_context(request),
        "asset": asset,
        "job": job,
        "svg": svg,
        "focus": focus,
        "title": f"Provenance of edit job #{job.pk}" if job else f"Provenance of {asset}",
    }
    return TemplateResponse(request, "legal/provenance.html", context)


@require_GET
@login_required(login_url="admin:login")
def provenance_page(request, asset_id: int):
    return _page(request, asset_id)


@require_GET
@login_required(login_url="admin:login")
def job_provenance(request, job_id: int):
    """An edit job's graph: drawn around its output (or, before it has one, its first input)."""
    if not admin_access(request):
        raise Http404("No such edit job.")
    job = EditJob.objects.restrict(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such edit job.")
    asset_id = job.output_id or job.inputs.order_by("pk").values_list("pk", flat=True).first()
    if asset_id is None:
        raise Http404("This edit job names no footage.")
    return _page(request, asset_id, focus=f"edit_job_{job.pk}", job=job)


@require_GET
@login_required(login_url="admin:login")
def provenance_svg(request, asset_id: int):
    try:
        svg, _, _ = _picture(request, asset_id)
    except GraphvizMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    return HttpResponse(svg, content_type="image/svg+xml")
