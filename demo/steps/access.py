"""Demo steps for access: the admin user, the production and its people, the MAM's API token."""

from __future__ import annotations

import secrets

from django.conf import settings

from demo.context import DEMO_PEOPLE, DEMO_PRODUCTION, DemoContext, User
from studio import services
from studio.models import ApiToken, Production


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
