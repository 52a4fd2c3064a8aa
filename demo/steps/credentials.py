"""Demo step for Content Credentials: a development chain, two stamped outputs verified Trusted, a
flipped byte shown Invalid with its code, and a second generation carrying both manifests."""

from __future__ import annotations

import io
import shutil
import time

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assets import services
from assets.choices import AssetOrigin, LineageNode
from assets.credentials.manifest import OutputFacts
from assets.credentials.reading import read_credentials
from assets.models import Asset
from assets.storage import LocalCopy
from demo.context import DemoContext
from licensing.training_mining import training_mining_terms


def _facts(ctx: DemoContext, asset, title: str, operation: str) -> OutputFacts:
    terms = training_mining_terms(
        asset_ids=[asset.pk], production_id=ctx.production.pk, at=timezone.now()
    )
    return OutputFacts(
        title=title,
        operation=operation,
        seed=7,
        training_mining=terms,
        parameters={"grain": "35mm", "strength": 0.3},
    )


def step_credentials(ctx: DemoContext) -> None:
    call_command("c2pa_dev_cert", stdout=io.StringIO())  # keeps an existing chain
    folder = settings.VAR_DIR / "demo-credentials"
    folder.mkdir(parents=True, exist_ok=True)
    stamped = {}
    for name, suffix in (("shot22A_still.jpg", ".jpg"), ("shot14B_take1.mp4", ".mp4")):
        asset = ctx.assets[name]
        target = folder / f"{name.rsplit('.', 1)[0]}_regrained{suffix}"
        if target.exists():
            reading = read_credentials(target, asset.mime_type)
            ctx.console.print(f"[bold]Stamped earlier[/] {target.name}: {reading.state.upper()}")
            stamped[name] = target
            continue
        started = time.perf_counter()
        with LocalCopy(asset.storage_key) as original:
            result = services.output_stamp(
                source=original,
                target=target,
                mime_type=asset.mime_type,
                facts=_facts(ctx, asset, target.name, "regrain"),
                inputs=[(asset, "parentOf")],
            )
        took = time.perf_counter() - started
        reading = read_credentials(result.path, asset.mime_type)
        ctx.console.print(
            f"[bold]Stamped[/] {target.name}: {reading.state.upper()} — {reading.summary}"
            f" ({result.path.stat().st_size / 1e6:.1f} MB, copied and hashed in one pass,"
            f" {took * 1000:.0f} ms)"
        )
        stamped[name] = result.path
    tampered = folder / "shot22A_still_regrained_TAMPERED.jpg"
    shutil.copyfile(stamped["shot22A_still.jpg"], tampered)
    data = bytearray(tampered.read_bytes())
    data[-200] ^= 0xFF
    tampered.write_bytes(data)
    reading = read_credentials(tampered, "image/jpeg")
    ctx.console.print(
        f"[bold]One byte flipped[/] {tampered.name}: {reading.state.upper()} {reading.failure_codes}"
    )
    _second_generation(ctx, stamped["shot22A_still.jpg"])


def _ingest_output(ctx: DemoContext, path):
    """Our own output comes back in (as a MAM would send it), linked to the footage it was made from."""
    output = services.asset_ingest(
        actor=ctx.users["cora"],
        production=ctx.production,
        source=path,
        filename=path.name,
        origin=AssetOrigin.AI_OUTPUT,
    ).asset
    services.derivation_record(
        actor=ctx.users["cora"],
        production=ctx.production,
        output=(LineageNode.ASSET, output.pk),
        inputs=[(LineageNode.ASSET, ctx.assets["shot22A_still.jpg"].pk, "parentOf")],
        activity=("import", None),
    )
    return output


def _second_generation(ctx: DemoContext, first_output) -> None:
    """Ingest our own output and stamp an edit of it: the new file carries both manifests."""
    output = Asset.objects.filter(
        production=ctx.production, original_filename=first_output.name, origin=AssetOrigin.AI_OUTPUT
    ).first() or _ingest_output(ctx, first_output)
    target = settings.VAR_DIR / "demo-credentials" / "shot22A_still_regrained_twice.jpg"
    with LocalCopy(output.storage_key) as path:
        services.output_stamp(
            source=path,
            target=target,
            mime_type="image/jpeg",
            facts=_facts(ctx, output, target.name, "regrain"),
            inputs=[(output, "parentOf")],
        )
    reading = read_credentials(target, "image/jpeg")
    depth, node = 0, reading.as_dict()["chain"]
    while node:
        depth += 1
        node = (node["ingredients"] or [{}])[0].get("manifest")
    ctx.console.print(
        f"[bold]Second generation[/] {target.name}: {reading.state.upper()}, "
        f"{len(reading.manifest['manifests'])} manifests, chain of {depth} generations"
    )
    ctx.assets["regrained_still"] = output
