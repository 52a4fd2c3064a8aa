"""Demo steps that close the scenario: the audit trail verified, and a round trip through a worker."""

from __future__ import annotations

import uuid

from django.conf import settings
from rich.table import Table

from demo.context import DemoContext
from studio.audit import audit_verify
from studio.models import AuditEvent
from studio.tasks import ping


def step_audit(ctx: DemoContext) -> None:
    events = AuditEvent.objects.filter(production=ctx.production).order_by("-seq")[:8]
    table = Table(title=f"Audit trail of {ctx.production.code} (latest 8)")
    for column in ("seq", "action", "actor", "target", "hash"):
        table.add_column(column)
    for event in events:
        table.add_row(
            str(event.seq), event.action, event.actor_name, event.target_label, event.hash[:12]
        )
    ctx.console.print(table)
    report = audit_verify()
    state = "[green]intact[/]" if report.ok else f"[red]BROKEN: {report.first_problem}[/]"
    ctx.console.print(
        f"[bold]Audit chains[/] {report.events} events in {report.chains} chains: {state}"
    )
    if not report.ok:
        raise RuntimeError(f"audit chain broken: {report.first_problem}")


def step_worker(ctx: DemoContext) -> None:
    if not ctx.ping_worker:
        return
    nonce = uuid.uuid4().hex
    answer = ping.delay(nonce).get(timeout=60)
    ctx.console.print(
        f"[bold]Worker[/] answered through {settings.CELERY_BROKER_URL.split(':')[0]}: pid {answer['pid']}"
    )
