"""Demo step for revocation: a performer withdraws likeness-training consent; the adapter trained on
her and the output made with it are tainted; legal sees the impact, the graph, the webhook a MAM
received; the adapter is retrained without her footage and the tainted output is withdrawn."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.core.exceptions import ValidationError
from rich.table import Table

from assets.models import Asset
from assets.services import asset_withdraw
from demo.context import DemoContext
from demo.steps.edits import wait_finished
from editing.models import Adapter, TrainingRun
from editing.services.training import training_retrain_without
from legal.graph import GraphvizMissing, build_graph, render_svg
from legal.reports import report_impact
from licensing.models import Consent, TaintCause, TaintRecord, TaintRun
from licensing.services import consent_revoke
from licensing.services.taint import taint_propagate, taint_run_execute
from studio.models import WebhookDelivery
from studio.webhooks.services import webhook_deliver, webhook_subscription_create


class Receiver:
    """A MAM's webhook endpoint on loopback: records what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(
                    {
                        "event": self.headers.get("Clearcut-Event"),
                        "signature": self.headers.get("Clearcut-Signature"),
                        "body": json.loads(body),
                    }
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/clearcut-hooks"

    def stop(self):
        self.server.shutdown()


def _subscribe(ctx: DemoContext, receiver: Receiver):
    try:
        subscription, _secret = webhook_subscription_create(
            actor=ctx.users["lena"],
            production=ctx.production,
            name="demo MAM",
            url=receiver.url,
            events=["asset.tainted", "asset.withdrawn", "consent.revoked"],
        )
    except ValidationError as exc:
        ctx.console.print(
            f"[yellow]No loopback webhook receiver:[/] {' '.join(exc.messages)} "
            "(make demo allows 127.0.0.1 through WEBHOOK_ALLOWED_HOSTS)"
        )
        return None
    return subscription


def _deliver_pending(ctx: DemoContext, subscription, receiver: Receiver) -> None:
    """Deliveries go out on the worker; without one, deliver them here."""
    if ctx.ping_worker:
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and WebhookDelivery.objects.filter(subscription=subscription, status="pending").exists()
        ):
            time.sleep(0.2)
        return
    for delivery in WebhookDelivery.objects.filter(subscription=subscription, status="pending"):
        webhook_deliver(delivery_id=delivery.pk)


def _taint(ctx: DemoContext, consent: Consent) -> TaintRun:
    run = TaintRun.objects.filter(cause_type=TaintCause.CONSENT, cause_id=consent.pk).first()
    if (
        run is None
    ):  # the revocation's signal starts it after commit; in the test suite nothing commits
        run = taint_propagate(
            actor=ctx.users["lena"],
            cause_type=TaintCause.CONSENT,
            cause_id=consent.pk,
            reason="likeness-training consent withdrawn",
        )
    if ctx.ping_worker:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run.status != TaintRun.Status.DONE:
            time.sleep(0.2)
            run.refresh_from_db()
    return taint_run_execute(run_id=run.pk) if run.status != TaintRun.Status.DONE else run


def step_revocation(ctx: DemoContext) -> None:
    receiver = Receiver()
    try:
        subscription = _subscribe(ctx, receiver)
        consent = Consent.objects.get(person=ctx.people["Maya Reyes"], scope="likeness_training")
        if not hasattr(consent, "revocation"):
            consent_revoke(
                actor=ctx.users["lena"],
                consent=consent,
                reason="Ms Reyes withdrew consent to training on her likeness.",
            )
        run = _taint(ctx, consent)
        _show_taint(ctx, run)
        _show_impact(ctx)
        _draw(ctx)
        if subscription is not None:
            _deliver_pending(ctx, subscription, receiver)
            events = sorted({item["event"] for item in receiver.received})
            ctx.console.print(
                f"[bold]Webhooks[/] the MAM received {len(receiver.received)} signed events: "
                f"{', '.join(events)}"
            )
        _retrain(ctx)
        _withdraw(ctx)
    finally:
        receiver.stop()


def _show_taint(ctx: DemoContext, run: TaintRun) -> None:
    table = Table(title=f"Tainted by {run.cause_label}")
    for column in ("node", "status", "path from the footage"):
        table.add_column(column)
    for record in TaintRecord.objects.filter(run=run).order_by("depth", "node_type", "node_id"):
        model = Adapter if record.node_type == "adapter" else Asset
        node = model.objects.get(pk=record.node_id)
        path = " → ".join(f"{t} {i}" for t, i in record.path)
        table.add_row(f"{record.node_type} {record.node_id} ({node})", node.status, path)
    ctx.console.print(table)


def _show_impact(ctx: DemoContext) -> None:
    report = report_impact(user=ctx.users["lena"], person=ctx.people["Maya Reyes"].pk)
    ctx.console.print(
        f"[bold]Impact report[/] {report.title}: {len(report.rows)} rows "
        f"(also at /legal/reports/impact/?person={ctx.people['Maya Reyes'].pk}, CSV and JSON)"
    )


def _draw(ctx: DemoContext) -> None:
    restyled = ctx.jobs[2].output if len(ctx.jobs) > 2 else None
    if restyled is None:
        return
    try:
        svg = render_svg(build_graph(restyled), focus=f"asset_{restyled.pk}")
    except GraphvizMissing as exc:
        ctx.console.print(f"[yellow]{exc}[/]")
        return
    folder = settings.VAR_DIR / "demo-provenance"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"asset_{restyled.pk}.svg"
    path.write_text(svg)
    ctx.console.print(
        f"[bold]Provenance graph[/] {path} (served at /legal/provenance/{restyled.pk}/)"
    )


def _retrain(ctx: DemoContext) -> None:
    adapter = Adapter.objects.get(production=ctx.production, name="nightfall-house-style")
    replacement = Adapter.objects.filter(replaces=adapter).first()
    if replacement is None:
        run = wait_finished(
            ctx, TrainingRun, training_retrain_without(actor=ctx.users["cora"], adapter=adapter)
        )
        replacement = getattr(run, "adapter", None)
    kept = len(replacement.training_run.ledger["assets"]) if replacement else 0
    ctx.console.print(
        f"[bold]Retrained[/] {replacement} on {kept} asset(s) without the withdrawn likeness; "
        f"it replaces adapter {adapter.pk}"
    )


def _withdraw(ctx: DemoContext) -> None:
    restyled = ctx.jobs[2].output if len(ctx.jobs) > 2 else None
    if restyled is None:
        return
    restyled.refresh_from_db()
    if restyled.status == "tainted":
        asset_withdraw(
            actor=ctx.users["lena"], assets=[restyled], reason="made with a tainted adapter"
        )
        restyled.refresh_from_db()
    ctx.console.print(
        f"[bold]Withdrawn[/] {restyled}: {restyled.status} — downloads now answer 451"
    )
