"""The scripted end-to-end scenario behind ``make demo`` (and run by the test suite).

Each capability adds a step; every step is idempotent, so the demo can be run again on the same data.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from rich.console import Console
from rich.table import Table

from studio import services
from studio.audit import audit_verify
from studio.choices import Role
from studio.models import ApiToken, AuditEvent, Production

User = get_user_model()

DEMO_PRODUCTION = "NIGHTFALL"
DEMO_PEOPLE = {"cora": Role.COORDINATOR, "lena": Role.LEGAL, "mam-bridge": Role.INTEGRATION}


@dataclass
class DemoContext:
    console: Console
    ping_worker: bool = False
    admin: User | None = None
    admin_password: str | None = None
    production: Production | None = None
    users: dict[str, User] = field(default_factory=dict)
    token_key: str | None = None
    assets: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    licenses: dict = field(default_factory=dict)
    jobs: list = field(default_factory=list)


def step_admin(ctx: DemoContext) -> None:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        ctx.admin_password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser("admin", "admin@localhost", ctx.admin_password)
        password_file = settings.VAR_DIR / "admin-password.txt"
        password_file.write_text(ctx.admin_password + "\n")
        password_file.chmod(0o600)
        ctx.console.print(f"[bold]Admin user[/] admin / [bold green]{ctx.admin_password}[/]")
    else:
        ctx.console.print("[bold]Admin user[/] admin exists (password in var/admin-password.txt)")
    ctx.admin = admin


def step_production(ctx: DemoContext) -> None:
    production = Production.objects.filter(code=DEMO_PRODUCTION).first()
    if production is None:
        production = services.production_create(
            actor=ctx.admin,
            code=DEMO_PRODUCTION,
            name="Nightfall (season 1)",
            description="A demo series: dailies, licensed stock and AI edits.",
        )
    ctx.production = production
    for username, role in DEMO_PEOPLE.items():
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        services.membership_set(actor=ctx.admin, production=production, user=user, role=role)
        ctx.users[username] = user
    ctx.console.print(f"[bold]Production[/] {production} with {', '.join(DEMO_PEOPLE)}")


def step_token(ctx: DemoContext) -> None:
    bridge = ctx.users["mam-bridge"]
    for stale in ApiToken.objects.usable().filter(user=bridge, name="demo MAM bridge"):
        services.api_token_revoke(actor=ctx.admin, token=stale)
    token, ctx.token_key = services.api_token_create(
        actor=ctx.admin,
        user=bridge,
        name="demo MAM bridge",
        productions=[ctx.production],
        can_write=True,
    )
    stored = ApiToken.objects.get(pk=token.pk).key_hash
    ctx.console.print(
        f"[bold]API token[/] for mam-bridge: {ctx.token_key}\n"
        f"  stored only as SHA-256 {stored[:16]}…; shown once"
    )


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
    from studio.tasks import ping

    nonce = uuid.uuid4().hex
    answer = ping.delay(nonce).get(timeout=60)
    ctx.console.print(
        f"[bold]Worker[/] answered through {settings.CELERY_BROKER_URL.split(':')[0]}: pid {answer['pid']}"
    )


def _steps() -> list[Callable[[DemoContext], None]]:
    from assets.credentials_demo import step_credentials
    from assets.demo import step_ingest, step_people
    from editing.demo import step_editing
    from licensing.demo import step_consents, step_decisions, step_licenses
    from licensing.revocation_demo import step_revocation

    return [
        step_admin,
        step_production,
        step_token,
        step_ingest,
        step_people,
        step_licenses,
        step_consents,
        step_decisions,
        step_credentials,
        step_editing,
        step_revocation,
        step_audit,
        step_worker,
    ]


def run_scenario(console: Console | None = None, *, ping_worker: bool = False) -> DemoContext:
    ctx = DemoContext(console=console or Console(), ping_worker=ping_worker)
    for step in _steps():
        ctx.console.rule(step.__name__.removeprefix("step_").replace("_", " "))
        step(ctx)
    return ctx
