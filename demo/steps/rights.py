"""Demo steps for rights: the show's own license, a stock license with a prohibition, consents
(one of a minor with a guardian, one revoked), the gate's answers with their reasons, and a MAM
checking a whole cut in one API call."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rich.table import Table

from demo.context import DemoContext
from licensing import services
from licensing.choices import ConsentScope, Coverage, GrantKind, LicenseStatus, RightsAction
from licensing.gate import UseRequest, evaluate
from licensing.models import AssetRightsHolder, Consent, License, Party

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2028, 1, 1, tzinfo=dt.UTC)


def _party(ctx: DemoContext, name: str) -> Party:
    return Party.objects.filter(name=name).first() or services.party_create(
        actor=ctx.users["lena"], name=name
    )


def _license(ctx: DemoContext, reference: str, **kwargs) -> License:
    existing = License.objects.filter(production=ctx.production, reference=reference).first()
    if existing:
        return existing
    license = services.license_create(
        actor=ctx.users["lena"],
        production=ctx.production,
        reference=reference,
        starts_at=START,
        ends_at=END,
        status=LicenseStatus.DRAFT,
        **kwargs,
    )
    return services.license_set_status(
        actor=ctx.users["lena"], license=license, status=LicenseStatus.ACTIVE
    )


def _consent(ctx: DemoContext, person: str, scope: str, **kwargs) -> Consent:
    person = ctx.people[person]
    existing = Consent.objects.filter(person=person, scope=scope).first()
    if existing:
        return existing
    return services.consent_create(
        actor=ctx.users["lena"],
        person=person,
        productions=[ctx.production],
        scope=scope,
        description=f"{scope.replace('_', ' ')} of {person.name} in Nightfall season 1 (AI dailies cleanup)",
        valid_from=START,
        valid_until=END,
        signed_by=kwargs.pop("signed_by", person.name),
        signed_at=START,
        **kwargs,
    )


def step_licenses(ctx: DemoContext) -> None:
    studio, skyline = _party(ctx, "Nightfall Productions LLC"), _party(ctx, "Skyline Stock Ltd")
    ctx.licenses = {
        "own": _license(
            ctx,
            "NF-DAILIES-01",
            title="Nightfall dailies: in-house rights",
            licensor=studio,
            licensee=studio,
            coverage=Coverage.PRODUCTION,
            grants=[
                {"section": "§1", "action": RightsAction.VIEW},
                {"section": "§2", "action": RightsAction.AI_EDIT, "territory_include": ["US"]},
                {"section": "§3", "action": RightsAction.AI_TRAIN},
                {"section": "§3", "action": RightsAction.AI_INFERENCE},
                {"section": "§4", "action": RightsAction.EDIT},
            ],
        ),
        "stock": _license(
            ctx,
            "SKY-2026-114",
            title="Skyline stock: broadcast and SVOD",
            licensor=skyline,
            licensee=studio,
            coverage=Coverage.RIGHTS_HOLDER,
            grants=[
                {
                    "section": "§1",
                    "action": RightsAction.DISTRIBUTE,
                    "media": ["broadcast", "svod"],
                    "attribution": "Skyline courtesy of Skyline Stock Ltd",
                },
                {"section": "§4", "kind": GrantKind.PROHIBITION, "action": RightsAction.AI_EDIT},
                {"section": "§4", "kind": GrantKind.PROHIBITION, "action": RightsAction.AI_TRAIN},
            ],
        ),
    }
    AssetRightsHolder.objects.get_or_create(
        asset=ctx.assets["stock_skyline.png"], defaults={"party": skyline}
    )
    ctx.console.print("[bold]Licenses[/] " + ", ".join(str(lic) for lic in ctx.licenses.values()))


def step_consents(ctx: DemoContext) -> None:
    for name in ("Maya Reyes", "Ava Lindqvist"):
        _consent(ctx, name, ConsentScope.DIGITAL_ALTERATION)
        _consent(ctx, name, ConsentScope.LIKENESS_TRAINING)
    _consent(
        ctx,
        "Leo Park",
        ConsentScope.DIGITAL_ALTERATION,
        signed_by="Grace Park (guardian)",
        guardian_signature=True,
    )
    _consent(
        ctx,
        "Leo Park",
        ConsentScope.LIKENESS_TRAINING,
        signed_by="Grace Park (guardian)",
        guardian_signature=True,
    )
    ava = Consent.objects.get(
        person=ctx.people["Ava Lindqvist"], scope=ConsentScope.DIGITAL_ALTERATION
    )
    if not hasattr(ava, "revocation"):
        services.consent_revoke(
            actor=ctx.users["lena"],
            consent=ava,
            reason="Ms Lindqvist withdrew consent to digital alteration (letter of counsel).",
        )
    ctx.console.print(
        "[bold]Consents[/] Maya, Leo (signed by his guardian), Ava (alteration revoked)"
    )


def step_decisions(ctx: DemoContext) -> None:
    now = timezone.now()
    questions = [
        ("Remove the boom mic from shot 14B take 1, for US SVOD", "shot14B_take1.mp4", "US"),
        ("The same edit for the French release", "shot14B_take1.mp4", "FR"),
        ("Relight the licensed Skyline stock shot", "stock_skyline.png", "US"),
        ("Clean up shot 14B take 2 (Ava Lindqvist in shot)", "shot14B_take2.mp4", "US"),
    ]
    for title, asset, territory in questions:
        decision = evaluate(
            UseRequest(
                action=RightsAction.AI_EDIT,
                production_id=ctx.production.pk,
                asset_ids=(ctx.assets[asset].pk,),
                territory=territory,
                media="svod",
                at=now,
            )
        )
        colour = "green" if decision.allowed else "red"
        ctx.console.print(f"[bold]{title}[/]")
        ctx.console.print(f"[{colour}]{decision.summary()}[/]", highlight=False)


def step_cut_check(ctx: DemoContext) -> None:
    """The MAM asks, with its token, whether every shot of the cut may be AI-edited for the US and
    for France: one bulk ``POST /api/v1/clearance/check``, answered use by use, in order."""
    shots = sorted(ctx.assets)
    uses = [
        {
            "assets": [ctx.assets[name].pk],
            "action": RightsAction.AI_EDIT,
            "territory": where,
            "media": "svod",
        }
        for name in shots
        for where in ("US", "FR")
    ]
    client = ctx.mam_client()
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("v1:clearance-check"),
            {"production": ctx.production.code, "uses": uses},
            content_type="application/json",
        )
    if response.status_code != 200:
        raise RuntimeError(f"bulk check answered {response.status_code}: {response.content[:300]}")
    results = iter(response.json()["results"])
    table = Table(title=f"One bulk check of the cut: {len(uses)} uses, {len(queries)} queries")
    for column in ("shot", "AI edit, US SVOD", "AI edit, FR SVOD"):
        table.add_column(column)
    for name in shots:
        table.add_row(name, *(_verdict(next(results)) for _ in ("US", "FR")))
    ctx.console.print(table)


def _verdict(answer: dict) -> str:
    if answer["allowed"]:
        return "[green]allowed[/]"
    return "[red]denied[/]: " + ", ".join(
        sorted({r["code"] for r in answer["reasons"] if r["blocking"]})
    )
