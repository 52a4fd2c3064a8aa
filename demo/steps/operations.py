"""Demo steps for the people and machines around the engine: the desk pages each role opens, the
health probes a load balancer asks, the outbox keeping work through a broker outage, and the janitor
sweeping what a crash leaves in the spool."""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rich.table import Table

from assets.janitor import safe_spool_dir, spool_clean
from demo.context import DemoContext
from editing.models import EditJob
from studio import queues
from studio.choices import OutboxStatus
from studio.models import OutboxMessage
from studio.outbox import outbox_dispatch

# The host the demo serves on; the pages are fetched as a browser there would fetch them.
HOST = "127.0.0.1"


def _desk_pages(ctx: DemoContext) -> list[tuple[str, str, str]]:
    still = ctx.assets["shot22A_still.jpg"]
    clip = ctx.assets["shot14B_take1.mp4"]
    job = EditJob.objects.filter(production=ctx.production).order_by("pk").first()
    pages = [
        ("cora", "Home: my jobs, my requests, recent footage", reverse("admin:index")),
        ("cora", "Media page of a still", reverse("admin:assets_asset_change", args=[still.pk])),
        (
            "cora",
            "Media page of a clip (player)",
            reverse("admin:assets_asset_change", args=[clip.pk]),
        ),
        ("cora", "Upload with people in shot", reverse("admin:assets_asset_upload")),
        (
            "cora",
            "Request an edit (mask drawn on the frame)",
            f"{reverse('admin:editing_editjob_request')}?asset={still.pk}",
        ),
        ("cora", "Jobs with live progress", reverse("admin:editing_editjob_changelist")),
        ("lena", "Home: what waits for legal", reverse("admin:index")),
        ("lena", "Legal dashboard", reverse("legal-dashboard")),
        ("lena", "Clearance requests", reverse("admin:licensing_clearancerequest_changelist")),
        ("lena", "Impact report", reverse("legal-report", args=["impact"])),
        ("lena", "Withdraw tainted outputs", reverse("legal-withdraw")),
        ("lena", "Provenance graph", reverse("provenance", args=[clip.pk])),
        ("lena", "Audit trail", reverse("admin:studio_auditevent_changelist")),
    ]
    if job is not None:
        pages.insert(
            6,
            ("cora", "A job, before/after", reverse("admin:editing_editjob_change", args=[job.pk])),
        )
    return pages


def step_desk(ctx: DemoContext) -> None:
    """Every desk page a coordinator and legal staff start from, fetched as each of them."""
    clients: dict[str, Client] = {}
    table = Table(title="The desk: pages each role works in (admin user's site, same sign-in)")
    for column in ("who", "page", "address", "answer"):
        table.add_column(column)
    failed = []
    for who, label, url in _desk_pages(ctx):
        if who not in clients:
            clients[who] = Client(HTTP_HOST=HOST)
            clients[who].force_login(ctx.users[who])
        status = clients[who].get(url).status_code
        table.add_row(who, label, url, "[green]200[/]" if status == 200 else f"[red]{status}[/]")
        if status != 200:
            failed.append((who, url, status))
    ctx.console.print(table)
    if failed:
        raise RuntimeError(f"desk pages did not answer: {failed}")


def step_operations(ctx: DemoContext) -> None:
    """The probes a load balancer asks, work kept through a broker outage, and the spool sweep."""
    _health(ctx)
    _outbox(ctx)
    _janitor(ctx)


def _health(ctx: DemoContext) -> None:
    client = Client(HTTP_HOST=HOST)
    live = client.get(reverse("healthz"))
    ready = client.get(reverse("readyz"))
    checks = ", ".join(f"{name} {state}" for name, state in ready.json()["checks"].items())
    ctx.console.print(
        f"[bold]Health[/] /healthz {live.status_code} {live.json()['status']}; "
        f"/readyz {ready.status_code}: {checks}"
    )


def _outbox(ctx: DemoContext) -> None:
    """A task queued while the broker refuses every message is kept, and sent once it is back."""
    nonce = f"demo-outage-{time.time_ns()}"

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    with mock.patch.object(queues, "publish", side_effect=broker_down):
        with transaction.atomic():
            queues.enqueue("studio.ping", nonce)
        message = OutboxMessage.objects.get(task_name="studio.ping", args=[nonce])
        ctx.console.print(
            f"[bold]Outbox[/] broker down: studio.ping recorded as message #{message.pk}, "
            f"{message.status} after {message.attempts} attempt ({message.last_error})"
        )
    # The broker is back (in the test suite, a stand-in that accepts every message).
    with _broker_back(ctx):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.created_at)
        outcomes = outbox_dispatch()
    message.refresh_from_db()
    waiting = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    ctx.console.print(
        f"[bold]Outbox[/] broker back: dispatcher sent {outcomes.get('sent', 0)}; message "
        f"#{message.pk} is {message.status}; {waiting} message(s) still waiting"
    )
    if message.status != OutboxStatus.SENT:
        raise RuntimeError(f"the outbox did not send message #{message.pk}: {message.last_error}")


def _broker_back(ctx: DemoContext):
    if ctx.ping_worker:
        return nullcontext()
    return mock.patch.object(queues, "publish", return_value=None)


def _janitor(ctx: DemoContext) -> None:
    """What a killed render leaves in the spool, removed once it is older than the grace period."""
    spool = safe_spool_dir()
    leftover = Path(spool) / "job-999999-demo-killed-render"
    leftover.mkdir(parents=True, exist_ok=True)
    (leftover / "frame_0001.png").write_bytes(b"\0" * 65536)
    stale = time.time() - settings.SPOOL_GRACE_SECONDS - 60
    for path in (leftover / "frame_0001.png", leftover):
        os.utime(path, (stale, stale))
    preview = spool_clean(dry_run=True)
    report = spool_clean()
    ctx.console.print(
        f"[bold]Janitor[/] spool sweep (grace {settings.SPOOL_GRACE_SECONDS // 3600} h): "
        f"dry run listed {len(preview.removed)}, sweep removed {len(report.removed)} "
        f"({report.bytes_removed} bytes), kept {len(report.kept_owned)} owned by live runs; "
        f"killed render folder gone: {not leftover.exists()}"
    )
