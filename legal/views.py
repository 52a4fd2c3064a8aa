"""Legal report pages in the admin's look: a parameter form, the table, a CSV download; and the legal
dashboard. For signed-in admin users with audit access (legal staff, superusers); others get 403."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from legal.cells import report_cells
from legal.reports import REPORTS, Report, ReportSpec, legal_dashboard, may_audit
from studio.auth import admin_access
from studio.spreadsheets import BOM, csv_cell

LEGAL_ONLY = (
    "Legal reports and the legal dashboard are for the production's legal staff. Your role does "
    "not include them; ask legal if you need a report."
)


def _require_audit(request) -> None:
    if not (admin_access(request) and may_audit(request.user)):
        raise PermissionDenied(LEGAL_ONLY)


def _csv(spec: ReportSpec, report: Report) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{spec.name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow([csv_cell(row.get(column)) for column in report.columns])
    return response


def _errors(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (name, message) for name, messages in exc.message_dict.items() for message in messages
        ]
    return [("", message) for message in exc.messages]


def _fields(spec: ReportSpec, params: dict, user) -> list[dict]:
    return [
        {
            "name": param.name,
            "label": param.label,
            "help": "" if param.options else param.help,
            "choices": (("", "—"), *param.options(user)) if param.options else param.choices,
            "value": params.get(param.name, ""),
        }
        for param in spec.params
    ]


def _page(request, spec: ReportSpec, params, report=None, errors=(), status=200):
    csv_query = request.GET.copy()
    csv_query["format"] = "csv"
    context = {
        **admin.site.each_context(request),
        "title": report.title if report else spec.title,
        "spec": spec,
        "reports": REPORTS.values(),
        "fields": _fields(spec, params, request.user),
        "pick_one": spec.name == "impact",
        "errors": list(errors),
        "report": report,
        "headers": [c.replace("_", " ").capitalize() for c in report.columns] if report else [],
        "table": report_cells(request.user, report) if report else [],
        "withdraw_url": _withdraw_url(spec, report),
        "csv_url": f"?{csv_query.urlencode()}",
    }
    return TemplateResponse(request, "legal/report.html", context, status=status)


def _withdraw_url(spec: ReportSpec, report: Report | None) -> str:
    """From the tainted report: the withdraw page with its tainted assets already picked."""
    if spec.name != "tainted" or report is None:
        return ""
    ids = sorted(
        {r["id"] for r in report.rows if r["node_type"] == "asset" and r["status"] == "tainted"}
    )
    return f"{reverse('legal-withdraw')}?{urlencode([('asset', pk) for pk in ids])}" if ids else ""


@require_GET
@login_required(login_url="admin:login")
def report_page(request, name: str):
    """One report: its form, the table for the given parameters, or the CSV with ?format=csv."""
    _require_audit(request)
    spec = REPORTS.get(name)
    if spec is None:
        raise Http404("No such report.")
    params = {key: value for key, value in request.GET.items() if key != "format"}
    output = request.GET.get("format", "html")
    if output not in ("html", "csv"):
        return _page(request, spec, params, errors=[("format", "Give csv or html.")], status=400)
    if output == "html" and spec.needs_params and not any(params.values()):
        return _page(request, spec, params)
    try:
        report = spec.select(user=request.user, **params)
    except ValidationError as exc:
        return _page(request, spec, params, errors=_errors(exc), status=400)
    if output == "csv":
        return _csv(spec, report)
    return _page(request, spec, params, report=report)


@require_GET
@login_required(login_url="admin:login")
def dashboard(request):
    """Pending clearance requests, what expires within 30 days, taint of the last 7 days."""
    _require_audit(request)
    context = {
        **admin.site.each_context(request),
        "title": "Legal dashboard",
        "dashboard": legal_dashboard(user=request.user),
        "reports": REPORTS.values(),
    }
    return TemplateResponse(request, "legal/dashboard.html", context)
