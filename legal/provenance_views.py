"""The provenance graph page of an asset: the picture (SVG), and the PROV-JSON beside it."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from assets.selectors import access_asset
from legal.graph import GraphvizMissing, build_graph, render_svg
from studio.auth import admin_access


def _picture(request, asset_id: int):
    """The SVG and the asset; the same 404 for an asset that is missing or out of the user's reach."""
    if not admin_access(request):
        raise Http404("No such asset.")
    asset = access_asset(request.user, asset_id)
    return render_svg(build_graph(asset, principal=request.user), focus=f"asset_{asset.pk}"), asset


@require_GET
@login_required(login_url="admin:login")
def provenance_page(request, asset_id: int):
    try:
        svg, asset = _picture(request, asset_id)
    except GraphvizMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    context = {
        **admin.site.each_context(request),
        "asset": asset,
        "svg": svg,
        "title": f"Provenance of {asset}",
    }
    return TemplateResponse(request, "legal/provenance.html", context)


@require_GET
@login_required(login_url="admin:login")
def provenance_svg(request, asset_id: int):
    try:
        svg, _ = _picture(request, asset_id)
    except GraphvizMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    return HttpResponse(svg, content_type="image/svg+xml")
