"""The admin home, per role: what waits for legal staff, and everyone's own jobs, requests and
recent footage. It lives on the top floor because it gathers from every app below.

Each section is ``{"id", "title", "columns", "rows", "empty", "more"}``; a row is a list of
``(text, url)`` cells (``url`` empty for plain text). ``legal/admin.py`` registers the builders.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from editing.models import EditJob
from legal.reports import Dashboard, legal_dashboard, may_audit
from licensing.models import ClearanceRequest
from studio.admin_badges import GREEN, GREY, ORANGE, RED, badge
from studio.auth import admin_access
from studio.choices import ScopeAction

LIMIT = 10
STATUS_COLORS = {
    "active": GREEN,
    "approved": GREEN,
    "succeeded": GREEN,
    "pending": ORANGE,
    "queued": ORANGE,
    "running": ORANGE,
    "quarantined": ORANGE,
    "tainted": RED,
    "rejected": RED,
    "failed": RED,
    "denied": RED,
    "withdrawn": GREY,
    "cancelled": GREY,
}


def when(value) -> str:
    """A moment to the second, in the user's zone (the middleware activates it)."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "—"


def status(value: str, label: str | None = None):
    return badge(STATUS_COLORS.get(value, GREY), label or value)


def _admin(name: str, pk) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


def is_legal(request) -> bool:
    if not hasattr(request, "_clearcut_is_legal"):
        request._clearcut_is_legal = admin_access(request) and may_audit(request.user)
    return request._clearcut_is_legal


def _dashboard(request) -> Dashboard:
    if not hasattr(request, "_clearcut_dashboard"):
        request._clearcut_dashboard = legal_dashboard(user=request.user)
    return request._clearcut_dashboard


def waiting_requests(request) -> dict | None:
    if not is_legal(request):
        return None
    rows = [
        [
            (f"#{item.pk}", reverse("admin:licensing_clearancerequest_decide", args=[item.pk])),
            (item.production.code, ""),
            (f"{item.get_action_display()} in {item.territory}, {item.get_media_display()}", ""),
            (", ".join(a.original_filename for a in item.assets.all()), ""),
            (item.requested_by, ""),
            (when(item.created_at), ""),
        ]
        for item in _dashboard(request).pending[:LIMIT]
    ]
    return {
        "id": "home-pending",
        "title": "Waiting for you: clearance requests",
        "columns": ["Request", "Production", "Use", "Footage", "Requested by", "Asked"],
        "rows": rows,
        "more_count": len(_dashboard(request).pending),
        "empty": "No request waits for a decision.",
        "more": ("Legal dashboard", reverse("legal-dashboard")),
    }


def expiring_soon(request) -> dict | None:
    if not is_legal(request):
        return None
    rows = []
    for row in _dashboard(request).expiring.rows[:LIMIT]:
        page = "licensing_license" if row["kind"] == "license" else "licensing_consent"
        rows.append(
            [
                (row["name"], _admin(page, row["id"])),
                (row["production"], ""),
                (row["ends_at"][:19].replace("T", " "), ""),
                (f"{row['days_left']} days", ""),
            ]
        )
    return {
        "id": "home-expiring",
        "title": "Expiring within 30 days",
        "columns": ["License or consent", "Production", "Ends", "Left"],
        "rows": rows,
        "more_count": len(_dashboard(request).expiring.rows),
        "empty": "Nothing expires within 30 days.",
        "more": (
            "Expiring within 90 days",
            reverse("legal-report", args=["expiring"]) + "?days=90",
        ),
    }


def new_taint(request) -> dict | None:
    if not is_legal(request):
        return None
    rows = [
        [
            (row["node"], ""),
            (row["node_type"], ""),
            (row["cause"], ""),
            (when(row["since"]), ""),
        ]
        for row in _dashboard(request).recent_taint[:LIMIT]
    ]
    return {
        "id": "home-taint",
        "title": "New taint in the last 7 days",
        "columns": ["Tainted", "Kind", "Cause", "Since"],
        "rows": rows,
        "more_count": len(_dashboard(request).recent_taint),
        "empty": "No new taint this week.",
        "more": ("Tainted and withdrawn", reverse("legal-report", args=["tainted"])),
    }


def my_jobs(request) -> dict | None:
    if not admin_access(request):
        return None
    jobs = (
        EditJob.objects.restrict(request.user)
        .filter(requested_by_id=request.user.pk)
        .select_related("production")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    rows = [
        [
            (f"#{job.pk} {job.operation}", _admin("editing_editjob", job.pk)),
            (job.production.code, ""),
            (status(job.status, job.get_status_display()), ""),
            (f"{job.progress_percent}%", ""),
            (when(job.created_at), ""),
        ]
        for job in jobs
    ]
    return {
        "id": "home-jobs",
        "title": "My edit jobs",
        "columns": ["Job", "Production", "Status", "Progress", "Requested"],
        "rows": rows,
        "empty": "You have requested no edits.",
        "more": ("All edit jobs", reverse("admin:editing_editjob_changelist")),
    }


def my_requests(request) -> dict | None:
    if not admin_access(request):
        return None
    requests = (
        ClearanceRequest.objects.restrict(request.user)
        .filter(requested_by_id=request.user.pk)
        .select_related("production")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    rows = [
        [
            (f"#{item.pk}", _admin("licensing_clearancerequest", item.pk)),
            (f"{item.get_action_display()} in {item.territory}, {item.get_media_display()}", ""),
            (status(item.status, item.get_status_display()), ""),
            (item.decided_by or "—", ""),
            (when(item.created_at), ""),
        ]
        for item in requests
    ]
    return {
        "id": "home-requests",
        "title": "My clearance requests",
        "columns": ["Request", "Use", "Status", "Decided by", "Asked"],
        "rows": rows,
        "empty": "You have asked for no clearance.",
        "more": ("All clearance requests", reverse("admin:licensing_clearancerequest_changelist")),
    }


def recent_footage(request) -> dict | None:
    if not admin_access(request):
        return None
    assets = (
        Asset.objects.restrict(request.user, ScopeAction.VIEW)
        .select_related("production")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    rows = [
        [
            (asset.original_filename, _admin("assets_asset", asset.pk)),
            (asset.production.code, ""),
            (asset.get_origin_display(), ""),
            (status(asset.status, asset.get_status_display()), ""),
            (when(asset.created_at), ""),
        ]
        for asset in assets
    ]
    return {
        "id": "home-footage",
        "title": "Recent footage",
        "columns": ["File", "Production", "Origin", "Status", "Ingested"],
        "rows": rows,
        "empty": "No footage yet.",
        "more": ("All footage", reverse("admin:assets_asset_changelist")),
    }


SECTIONS = [waiting_requests, expiring_soon, new_taint, my_jobs, my_requests, recent_footage]


def legal_links(request) -> list[tuple[str, str]]:
    if not is_legal(request):
        return []
    return [
        ("Legal dashboard", reverse("legal-dashboard")),
        ("Reports", reverse("legal-report", args=["impact"])),
        ("Withdraw", reverse("legal-withdraw")),
        ("Audit trail", reverse("admin:studio_auditevent_changelist")),
    ]


def legal_home(request) -> str | None:
    return reverse("legal-dashboard") if is_legal(request) else None
