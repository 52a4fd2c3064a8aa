"""Legal reports: what a person, footage, an adapter or a license reaches; usage by license; what
expires soon; what is tainted; the decision log; and the legal dashboard.

Each report is a selector that takes the user (or API token), sees only the productions where it may
audit, and runs a fixed number of queries whatever the number of rows. Cells are plain values
(text, numbers, booleans), so the same rows serve the HTML table, the CSV file and the JSON API.
Parameters arrive as query-string text; a malformed one raises ``ValidationError`` naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from legal.pickers import IMPACT_PICKERS, Picker
from legal.reports.common import AUDIT, MAX_ID, Report, _label, _nodes
from legal.reports.decisions import DECISION_COLUMNS, report_decisions
from legal.reports.expiring import EXPIRING_COLUMNS, report_expiring
from legal.reports.impact import IMPACT_COLUMNS, IMPACT_SUBJECTS, report_impact
from legal.reports.tainted import TAINTED_COLUMNS, report_tainted
from legal.reports.usage import USAGE_COLUMNS, report_usage_by_license
from licensing.choices import ClearanceStatus, RightsAction
from licensing.models import ClearanceRequest, TaintRecord
from studio.models import Production
from studio.scoping import allowed_production_ids


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    # Searched by name on the page; the id it finds is what the report takes.
    picker: Picker | None = None
    # JSON Schema of the value, for the API's documentation (ids, choices and text are inferred).
    schema: dict | None = None

    def value_schema(self) -> dict:
        if self.picker:
            return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        if self.choices:
            return {"type": "string", "enum": [value for value, _ in self.choices if value]}
        return self.schema or {"type": "string"}


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    select: Callable[..., Report]
    params: tuple[Param, ...] = ()
    needs_params: bool = False


_ID_HELP = "an id (exactly one of person, asset, adapter, license)"


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "impact",
            "Impact",
            "Everything containing a person, footage, an adapter or a license's footage.",
            report_impact,
            tuple(
                Param(name, name.capitalize(), help=_ID_HELP, picker=IMPACT_PICKERS[name])
                for name in IMPACT_SUBJECTS
            ),
            needs_params=True,
        ),
        ReportSpec(
            "usage_by_license",
            "Usage by license",
            "Per license: covered footage, decisions that relied on it, outputs made under it.",
            report_usage_by_license,
            (
                Param(
                    "license",
                    "License",
                    help="a license id; empty for every license",
                    picker=IMPACT_PICKERS["license"],
                ),
            ),
        ),
        ReportSpec(
            "expiring",
            "Expiring soon",
            "Active licenses and standing consents ending within a number of days.",
            report_expiring,
            (
                Param(
                    "days",
                    "Days",
                    help="1 to 3650; 30 if empty",
                    schema={"type": "integer", "minimum": 1, "maximum": 3650},
                ),
            ),
        ),
        ReportSpec(
            "tainted",
            "Tainted and withdrawn",
            "Tainted and withdrawn assets and adapters, with their causes and paths.",
            report_tainted,
        ),
        ReportSpec(
            "decisions",
            "Decision log",
            "Every gate decision: who asked, what, the answer and why.",
            report_decisions,
            (
                Param(
                    "allowed", "Allowed", (("", "any"), ("true", "allowed"), ("false", "denied"))
                ),
                Param("action", "Action", (("", "any"), *RightsAction.choices)),
                Param("since", "Since", help="ISO date or date-time"),
                Param("until", "Until", help="ISO date (inclusive) or date-time"),
            ),
        ),
    )
}


def may_audit(user) -> bool:
    """Whether the user (or token) may read legal reports of at least one production."""
    ids = allowed_production_ids(user, AUDIT)
    return ids is None or Production.objects.filter(pk__in=ids).exists()


@dataclass
class Dashboard:
    pending: list[ClearanceRequest]
    expiring: Report
    recent_taint: list[dict]


RECENT_TAINT_DAYS = 7


RECENT_TAINT_LIMIT = 100


def legal_dashboard(*, user) -> Dashboard:
    """Pending clearance requests, what expires within 30 days, taint recorded in the last week."""
    pending = list(
        ClearanceRequest.objects.restrict(user, AUDIT)
        .filter(status=ClearanceStatus.PENDING)
        .select_related("production")
        .prefetch_related("assets")
        .order_by("created_at", "pk")
    )
    since = timezone.now() - dt.timedelta(days=RECENT_TAINT_DAYS)
    records = list(
        TaintRecord.objects.restrict(user, AUDIT)
        .filter(created_at__gte=since)
        .select_related("run", "production")
        .order_by("-created_at", "-pk")[:RECENT_TAINT_LIMIT]
    )
    nodes = _nodes(user, {(r.node_type, r.node_id) for r in records})
    recent = [
        {
            "node": _label(nodes[key]) if key in nodes else f"{key[0]} #{key[1]}",
            "node_type": record.node_type,
            "production": record.production.code,
            "cause": record.run.cause_label,
            "reason": record.reason,
            "since": record.created_at,
            "lifted_at": record.lifted_at,
        }
        for record in records
        for key in [(record.node_type, record.node_id)]
    ]
    return Dashboard(pending, report_expiring(user=user, days=30), recent)


__all__ = [
    "DECISION_COLUMNS",
    "EXPIRING_COLUMNS",
    "IMPACT_COLUMNS",
    "ReportSpec",
    "TAINTED_COLUMNS",
    "USAGE_COLUMNS",
    "REPORTS",
    "Report",
    "legal_dashboard",
    "may_audit",
    "report_decisions",
    "report_expiring",
    "report_impact",
    "report_tainted",
    "report_usage_by_license",
]
