"""Legal reports as JSON, under /api/v1/ (``legal.api_urls``): GET reports/<name>/?param=… ->
{title, columns, rows}. Rows cover only the productions where the caller (or its token) may audit; a malformed
parameter is a 400 problem naming it, an unknown report a 404."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from legal.reports import REPORTS
from studio.api.permissions import request_principal


def _schema_parameters() -> list[OpenApiParameter]:
    users: dict[str, list[str]] = {}
    schemas: dict[str, dict] = {}
    for spec in REPORTS.values():
        for param in spec.params:
            users.setdefault(param.name, []).append(f"{spec.name} ({param.help or param.label})")
            schemas[param.name] = param.value_schema()
    report = OpenApiParameter("name", str, OpenApiParameter.PATH, enum=sorted(REPORTS))
    return [report] + [
        OpenApiParameter(name, schemas[name], description="; ".join(users[name]))
        for name in sorted(users)
    ]


class ReportView(APIView):
    """One legal report: impact, usage_by_license, expiring, tainted or decisions."""

    @extend_schema(responses={200: dict}, parameters=_schema_parameters())
    def get(self, request, name: str):
        spec = REPORTS.get(name)
        if spec is None:
            raise Http404("No such report.")
        params = {key: value for key, value in request.query_params.items() if key != "format"}
        report = spec.select(user=request_principal(request), **params)
        return Response({"title": report.title, "columns": report.columns, "rows": report.rows})
