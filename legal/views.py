"""Legal report pages in the admin's look: a parameter form, the table, a CSV download; and the legal
dashboard. For signed-in admin users with audit access (legal staff, superusers); others get 403."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from legal.cells import report_cells
from legal.pickers import IMPACT_PICKERS, MIN_QUERY
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


def _fields(spec: ReportSpec, params: dict, typed: dict, user) -> list[dict]:
    return [
        {
            "name": param.name,
            "label": param.label,
            "help": PICKER_HELP.format(noun=param.picker.noun) if param.picker else param.help,
            "choices": param.choices,
            "value": params.get(param.name, ""),
            "picker": bool(param.picker),
            "search_url": reverse("legal-pick", args=[param.name]) if param.picker else "",
            "text": _picked_text(param, params, typed, user),
        }
        for param in spec.params
    ]


PICKER_HELP = "Type part of the {noun}'s name and pick from the list, or type the full name."


def _picked_text(param, params: dict, typed: dict, user) -> str:
    if not param.picker:
        return ""
    if params.get(param.name):
        return param.picker.label_of(user, params[param.name]) or typed.get(param.name, "")
    return typed.get(param.name, "")


def _typed_names(spec: ReportSpec, params: dict) -> dict:
    """Takes each picker's typed name out of the parameters."""
    return {
        param.name: params.pop(f"{param.name}{NAME_SUFFIX}", "").strip()
        for param in spec.params
        if param.picker
    }


def _resolve_names(spec: ReportSpec, params: dict, typed: dict, user) -> None:
    """A name typed without picking from the list becomes the id of the one row bearing it (else
    ValidationError naming the field)."""
    for param in spec.params:
        text = typed.get(param.name)
        if param.picker and text and not params.get(param.name):
            params[param.name] = str(param.picker.resolve(user, text, param.name))


NAME_SUFFIX = "_name"


def _page(request, spec: ReportSpec, params, typed, report=None, errors=(), status=200):
    csv_query = request.GET.copy()
    csv_query["format"] = "csv"
    context = {
        **admin.site.each_context(request),
        "title": report.title if report else spec.title,
        "spec": spec,
        "reports": REPORTS.values(),
        "fields": _fields(spec, params, typed, request.user),
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
    typed = _typed_names(spec, params)
    if output not in ("html", "csv"):
        error = [("format", "Give csv or html.")]
        return _page(request, spec, params, typed, errors=error, status=400)
    try:
        _resolve_names(spec, params, typed, request.user)
        if output == "html" and spec.needs_params and not any(params.values()):
            return _page(request, spec, params, typed)
        report = spec.select(user=request.user, **params)
    except ValidationError as exc:
        return _page(request, spec, params, typed, errors=_errors(exc), status=400)
    if output == "csv":
        return _csv(spec, report)
    return _page(request, spec, params, typed, report=report)


@require_GET
@login_required(login_url="admin:login")
def pick(request, kind: str):
    """Matches by name for a report's picker: at most 20, only what the user may audit, for a query
    of at least two characters."""
    _require_audit(request)
    picker = IMPACT_PICKERS.get(kind)
    if picker is None:
        raise Http404("No such picker.")
    text = request.GET.get("q", "").strip()
    if len(text) < MIN_QUERY:
        message = f"Type at least {MIN_QUERY} characters."
        return JsonResponse({"q": [message]}, status=400)
    return JsonResponse({"results": picker.search(request.user, text)})


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
