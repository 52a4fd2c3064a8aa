"""Demo steps for footage: synthetic dailies ingested with a progress bar, people and appearances."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from assets import services
from assets.choices import AssetOrigin
from assets.models import Appearance, Asset, Person
from assets.synthetic import make_clip, make_still
from demo.context import DemoContext

FOOTAGE = [
    ("shot14B_take1.mp4", AssetOrigin.DAILIES, lambda p: make_clip(p, seconds=3, seed=14)),
    ("shot14B_take2.mp4", AssetOrigin.DAILIES, lambda p: make_clip(p, seconds=2, seed=15)),
    ("shot22A_still.jpg", AssetOrigin.DAILIES, lambda p: make_still(p, seed=22)),
    (
        "stock_skyline.png",
        AssetOrigin.LICENSED_STOCK,
        lambda p: make_still(p, seed=99, size=(480, 270)),
    ),
    ("shot30_plate.jpg", AssetOrigin.DAILIES, lambda p: make_still(p, seed=30)),
]
PEOPLE = [
    {"name": "Maya Reyes", "kind": "talent"},
    {"name": "Leo Park", "kind": "talent", "is_minor": True, "guardian_name": "Grace Park"},
    {"name": "Sam Okafor", "kind": "crew"},
    {"name": "Ava Lindqvist", "kind": "talent"},
]


class _Counting:
    def __init__(self, handle, progress, task):
        self.handle, self.progress, self.task = handle, progress, task

    def readinto(self, buffer) -> int:
        count = self.handle.readinto(buffer)
        self.progress.advance(self.task, count)
        return count


def _generate(folder: Path) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, origin, make in FOOTAGE:
        path = folder / name
        if not path.exists():
            make(path)
        files.append((path, origin))
    return files


def step_ingest(ctx: DemoContext) -> None:
    files = _generate(settings.VAR_DIR / "demo-footage")
    columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn()]
    ctx.assets = {}
    with Progress(*columns, console=ctx.console) as progress:
        task = progress.add_task("ingest", total=sum(p.stat().st_size for p, _ in files))
        for path, origin in files:
            progress.update(task, description=path.name)
            with path.open("rb") as handle:
                result = services.asset_ingest(
                    actor=ctx.users["cora"],
                    production=ctx.production,
                    source=_Counting(handle, progress, task),
                    filename=path.name,
                    origin=origin,
                )
            ctx.assets[path.name] = result.asset


def step_people(ctx: DemoContext) -> None:
    ctx.people = {}
    for facts in PEOPLE:
        person = Person.objects.filter(name=facts["name"], productions=ctx.production).first()
        if person is None:
            person = services.person_create(
                actor=ctx.users["cora"], productions=[ctx.production], **facts
            )
        ctx.people[person.name] = person
    appearances = [
        ("shot14B_take1.mp4", "Maya Reyes", {"start_seconds": 0.0, "end_seconds": 3.0}),
        ("shot14B_take1.mp4", "Leo Park", {"start_seconds": 1.0, "end_seconds": 2.5}),
        ("shot14B_take2.mp4", "Maya Reyes", {"start_frame": 0, "end_frame": 48}),
        ("shot14B_take2.mp4", "Ava Lindqvist", {"start_seconds": 0.5, "end_seconds": 2.0}),
        ("shot22A_still.jpg", "Leo Park", {}),
    ]
    for asset_name, person_name, ranges in appearances:
        asset, person = ctx.assets[asset_name], ctx.people[person_name]
        if not Appearance.objects.filter(asset=asset, person=person).exists():
            services.appearance_create(
                actor=ctx.users["cora"], asset=asset, person=person, **ranges
            )
    _print_assets(ctx)


def _print_assets(ctx: DemoContext) -> None:
    table = Table(title=f"Footage of {ctx.production.code}")
    for column in (
        "id",
        "file",
        "kind",
        "origin",
        "format",
        "duration",
        "sha256",
        "people",
        "status",
    ):
        table.add_column(column)
    assets = Asset.objects.filter(production=ctx.production).prefetch_related("appearances__person")
    for asset in assets.order_by("id"):
        fmt = f"{asset.width}×{asset.height} {asset.codec}" + (
            f" {asset.fps} fps" if asset.fps else ""
        )
        table.add_row(
            str(asset.pk),
            asset.original_filename,
            asset.kind,
            asset.origin,
            fmt,
            f"{asset.duration_seconds:.2f} s" if asset.duration_seconds else "",
            asset.sha256[:12],
            ", ".join(a.person.name for a in asset.appearances.all()),
            asset.status,
        )
    ctx.console.print(table)


def _poll(ctx: DemoContext, etag: str | None) -> tuple[int, str, int, list]:
    """The MAM's poll of the production's footage, with its token (and the tag it last saw)."""
    client = ctx.mam_client()
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            f"/api/v1/assets/?production={ctx.production.code}&page_size=100", **headers
        )
    if response.status_code not in (200, 304):
        raise RuntimeError(f"the asset list answered {response.status_code}")
    rows = response.json()["results"] if response.status_code == 200 else []
    return response.status_code, response.get("ETag"), len(queries), rows


def step_mam_poll(ctx: DemoContext) -> None:
    """The MAM polls the footage list: the first answer carries an ETag, the next poll sends it back
    and, nothing having changed, is answered 304 with no body."""
    code, etag, count, rows = _poll(ctx, None)
    ctx.console.print(f"MAM polls the footage list: {code}, {len(rows)} assets, ETag {etag}")
    if etag is None:
        ctx.console.print(
            "Tagged, kept pages need PostgreSQL (DATABASE_URL): this embedded installation "
            "answers every poll in full."
        )
        return
    code, _etag, count, _rows = _poll(ctx, etag)
    ctx.console.print(f"MAM polls again with If-None-Match: {code}, {count} statement")
    ctx.list_etag = etag


def step_mam_poll_again(ctx: DemoContext) -> None:
    """After the revocation the same poll finds the list changed: the withdrawn outputs."""
    if ctx.list_etag is None:
        return  # no tag to send back (SQLite): the first poll said so
    code, etag, _count, rows = _poll(ctx, ctx.list_etag)
    withdrawn = sum(row["status"] == "withdrawn" for row in rows)
    ctx.console.print(
        f"MAM polls after the revocation: {code}, {len(rows)} assets, {withdrawn} withdrawn, "
        f"new ETag {etag != ctx.list_etag}"
    )
