"""Report rows as table cells for the pages: words for yes/no, moments to the second in the user's
zone, and a link to each thing's page. The CSV and the API keep the plain values."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from legal.reports import Report
from licensing.models import Consent, License
from studio.choices import ScopeAction

MOMENT_COLUMNS = {"since", "ends_at", "when", "last_used"}
NODE_PAGES = {"asset": "assets_asset", "adapter": "editing_adapter"}
ACTIVITY_PAGES = {
    "edit_job": "editing_editjob",
    "training_run": "editing_trainingrun",
    "editing.editjob": "editing_editjob",
    "editing.trainingrun": "editing_trainingrun",
}
ACTIVITY = re.compile(r"([a-z_.]+) #(\d+)")
WIDE_COLUMNS = {"path", "reason", "blocking", "covered_assets", "outputs", "covers", "assets"}


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    css: str = ""
    links: tuple[tuple[str, str], ...] = ()  # several things named in one cell


def _admin(page: str, pk) -> str:
    return reverse(f"admin:{page}_change", args=[pk])


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def moment(value: str) -> str:
    """An ISO moment as 2026-03-01 14:05:09 in the user's zone; anything else unchanged."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return text(value)
    if timezone.is_naive(parsed):
        return text(value)
    return f"{timezone.localtime(parsed):%Y-%m-%d %H:%M:%S}"


def _activities(value: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (match.group(0), _admin(ACTIVITY_PAGES[match.group(1)], match.group(2)))
        for match in ACTIVITY.finditer(value or "")
        if match.group(1) in ACTIVITY_PAGES
    )


def _license_ids(user, report: Report) -> dict[str, int]:
    """License references named in the report, to the ids of the licenses the user may audit."""
    names = set()
    for row in report.rows:
        for column in ("license", "licenses"):
            names |= {n for n in str(row.get(column) or "").split("; ") if n}
    if not names:
        return {}
    rows = License.objects.restrict(user, ScopeAction.AUDIT).filter(reference__in=names)
    return dict(rows.values_list("reference", "pk"))


CONSENT_NAME = re.compile(r"^(?P<name>.+) \((?P<scope>[a-z_]+)\)$")


def _consent_ids(user, report: Report) -> dict[str, int]:
    """'Name (scope)' entries of the consents columns, to the consents the user may audit (only
    where the name and scope point at one consent)."""
    entries = {
        entry
        for row in report.rows
        for entry in str(row.get("consents") or "").split("; ")
        if CONSENT_NAME.match(entry)
    }
    if not entries:
        return {}
    parsed = {entry: CONSENT_NAME.match(entry).groupdict() for entry in entries}
    rows = Consent.objects.restrict(user, ScopeAction.AUDIT).filter(
        person__name__in={p["name"] for p in parsed.values()},
        scope__in={p["scope"] for p in parsed.values()},
    )
    found: dict[str, list[int]] = {}
    for pk, name, scope in rows.values_list("pk", "person__name", "scope").distinct():
        found.setdefault(f"{name} ({scope})", []).append(pk)
    return {entry: pks[0] for entry, pks in found.items() if len(pks) == 1}


def _named_links(value, ids: dict[str, int], page: str) -> tuple[tuple[str, str], ...]:
    """Links for each '; '-separated name, or none unless every name has a page."""
    names = [n for n in str(value or "").split("; ") if n]
    links = tuple((n, _admin(page, ids[n])) for n in names if n in ids)
    return links if len(links) == len(names) else ()


def _cell(column: str, row: dict, licenses: dict[str, int], consents: dict[str, int]) -> Cell:
    value = row.get(column)
    css = "wide" if column in WIDE_COLUMNS else ""
    if column in MOMENT_COLUMNS:
        return Cell(moment(value), css="nowrap")
    if column == "label" and row.get("node_type") in NODE_PAGES:
        return Cell(text(value), _admin(NODE_PAGES[row["node_type"]], row["id"]))
    if column == "name" and row.get("kind") in ("license", "consent"):
        return Cell(text(value), _admin(f"licensing_{row['kind']}", row["id"]))
    if column == "id" and "allowed" in row:
        return Cell(text(value), _admin("licensing_gateevaluation", value))
    if column in ("produced_by", "subject"):
        return Cell(text(value), links=_activities(str(value or "")))
    if column in ("license", "licenses"):
        return Cell(text(value), css=css, links=_named_links(value, licenses, "licensing_license"))
    if column == "consents":
        return Cell(text(value), css=css, links=_named_links(value, consents, "licensing_consent"))
    if isinstance(value, bool):
        return Cell(text(value), css="nowrap")
    return Cell(text(value), css=css)


def report_cells(user, report: Report) -> list[list[Cell]]:
    licenses, consents = _license_ids(user, report), _consent_ids(user, report)
    return [
        [_cell(column, row, licenses, consents) for column in report.columns] for row in report.rows
    ]
