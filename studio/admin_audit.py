"""The audit trail in the admin: read-only, to the second, with its sequence and (shortened) hash;
filtered by production, chain, action prefix, actor and date; exported as CSV with those filters;
and verified in place ("Verify chain" runs what ``manage.py audit_verify`` runs)."""

import csv
import itertools

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from studio.admin_base import ReadOnlyAdminMixin
from studio.admin_pages import refused
from studio.audit import audit_verify_visible, visible_chains
from studio.audit_checkpoints import latest_checkpoint_summary
from studio.choices import ScopeAction
from studio.models import AuditEvent, Production
from studio.spreadsheets import BOM, Echo, csv_cell
from studio.values import row_id


class ChainFilter(admin.SimpleListFilter):
    title = "chain"
    parameter_name = "chain"

    def lookups(self, request, model_admin):
        chains = model_admin.get_queryset(request).order_by().values_list("chain", flat=True)
        return [(chain, chain) for chain in sorted(set(chains.distinct()))]

    def queryset(self, request, queryset):
        return queryset.filter(chain=self.value()) if self.value() else queryset


class ActionPrefixFilter(admin.SimpleListFilter):
    """Actions by app (``licensing``) or by object (``licensing.consent``)."""

    title = "action"
    parameter_name = "action_prefix"

    def lookups(self, request, model_admin):
        actions = model_admin.get_queryset(request).order_by().values_list("action", flat=True)
        prefixes = set()
        for action in actions.distinct():
            parts = action.split(".")
            prefixes |= {parts[0], ".".join(parts[:2])}
        return [(p, f"{p}.*") for p in sorted(prefixes)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(action__startswith=f"{self.value()}.")


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        names = model_admin.get_queryset(request).order_by().values_list("actor_name", flat=True)
        return [(name, name) for name in sorted(set(names.distinct()))[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(actor_name=self.value()) if self.value() else queryset


AUDIT_CSV_COLUMNS = [
    "id",
    "chain",
    "seq",
    "occurred_at",
    "production",
    "actor_type",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "correlation_id",
    "prev_hash",
    "hash",
]


def when_seconds(value) -> str:
    """A moment to the second in the user's zone, as admin lists show it."""
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "—"


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail is read-only everywhere, the admin included. The list exports as CSV with its
    filters, and "Verify chain" runs the verification ``manage.py audit_verify`` runs."""

    change_list_template = "admin/studio/auditevent/change_list.html"
    list_display = [
        "when",
        "production_code",
        "seq",
        "action_code",
        "actor",
        "target",
        "short_hash",
    ]
    list_filter = [
        "production",
        ChainFilter,
        ActionPrefixFilter,
        ActorFilter,
        ("occurred_at", admin.DateFieldListFilter),
    ]
    search_fields = ["action", "actor_name", "target_label", "target_id", "correlation_id"]
    date_hierarchy = "occurred_at"
    list_select_related = ["production"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user, ScopeAction.AUDIT)

    @admin.display(description="When", ordering="occurred_at")
    def when(self, obj):
        day, _, time = when_seconds(obj.occurred_at).partition(" ")
        return format_html(
            '<span class="nowrap">{}</span><br><span class="nowrap">{}</span>', day, time
        )

    @admin.display(description="Action", ordering="action")
    def action_code(self, obj):
        """The namespaced code, breakable after each dot so the column stays narrow."""
        parts = obj.action.split(".")
        return format_html_join(mark_safe(".<wbr>"), "{}", ((part,) for part in parts))  # noqa: S308

    @admin.display(description="Production", ordering="production__code")
    def production_code(self, obj):
        return obj.production.code if obj.production else "studio"

    @admin.display(description="Actor", ordering="actor_name")
    def actor(self, obj):
        return obj.actor_name.removeprefix("system:")

    @admin.display(description="Target")
    def target(self, obj):
        label = obj.target_label if len(obj.target_label) <= 40 else obj.target_label[:39] + "…"
        kind = obj.target_type.rpartition(".")[2]
        return f"{kind} #{obj.target_id} {label}".strip() if obj.target_type else label

    @admin.display(description="Hash")
    def short_hash(self, obj):
        return format_html('<code title="{}">{}…</code>', obj.hash, obj.hash[:8])

    def get_urls(self):
        info = "studio_auditevent"
        return [
            path("verify/", self.admin_site.admin_view(self.verify_view), name=f"{info}_verify"),
            path("export/", self.admin_site.admin_view(self.export_view), name=f"{info}_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The list as CSV, with the filters and search of the page it was asked from."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        events = self.get_changelist_instance(request).get_queryset(request)
        rows = events.select_related("production").order_by("chain", "seq").iterator(2000)
        writer = csv.writer(Echo())
        lines = itertools.chain(
            [BOM + writer.writerow(AUDIT_CSV_COLUMNS)],
            (writer.writerow([csv_cell(v) for v in _audit_row(event)]) for event in rows),
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"audit-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def verify_view(self, request):
        """Runs ``audit_verify`` over the chains this user may audit and shows what it found."""
        if not self.has_view_permission(request):
            return refused(request, "Only legal staff verify the audit trail.")
        production, chosen = None, row_id(request.GET.get("production_id", ""))
        if chosen is not None:
            audited = Production.objects.restrict(request.user, ScopeAction.AUDIT)
            production = audited.filter(pk=chosen).first()
        try:
            found = audit_verify_visible(principal=request.user, production=production)
        except PermissionDenied as exc:
            return refused(request, str(exc))
        checkpoint = latest_checkpoint_summary(chains=visible_chains(found))
        context = {
            **self.admin_site.each_context(request),
            "title": "Audit chain verification",
            "opts": self.model._meta,
            "results": found,
            "ok": all(item.report.ok for item in found) and checkpoint["ok"] is not False,
            "checkpoint": checkpoint,
            "events": sum(item.report.events for item in found),
        }
        return TemplateResponse(request, "admin/studio/auditevent/verify.html", context)


def _audit_row(event: AuditEvent) -> list:
    return [
        event.pk,
        event.chain,
        event.seq,
        event.occurred_at.isoformat(timespec="seconds"),
        event.production.code if event.production else "",
        event.actor_type,
        event.actor_name,
        event.action,
        event.target_type,
        event.target_id,
        event.target_label,
        event.correlation_id,
        event.prev_hash,
        event.hash,
    ]
