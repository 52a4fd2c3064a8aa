"""Revoking a license that covers 10k assets with 100k descendants (depth 5), on a generated graph:
seconds and queries; then again after doubling the unrelated data. The cost should follow what was
affected, not the size of the database (goal: ratio < 1.2)."""

import datetime as dt
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, Derivation
from bench.harness import print_table
from licensing.models import License, LicensedAsset, Party
from licensing.services.taint import taint_propagate, taint_run_execute
from studio.actors import SystemActor
from studio.models import Production

BATCH = 10_000
DEPTH = 5
PER_LEVEL = 2  # each footage asset has two outputs per generation: 10 descendants over 5 levels


def _assets(production, prefix: str, count: int) -> list[int]:
    rows = [
        Asset(
            production=production,
            sha256=f"{abs(hash((prefix, i))):064x}"[-64:],
            kind="image",
            mime_type="image/png",
            size=1,
            storage_key="k",
            original_filename=f"{prefix}{i}",
            origin="dailies",
            ingested_by="bench",
        )
        for i in range(count)
    ]
    for start in range(0, count, BATCH):
        Asset.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
    return list(
        Asset.objects.filter(production=production, original_filename__startswith=prefix)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _graph(code: str, roots: int) -> tuple[Production, list[int]]:
    """``roots`` footage assets, each with PER_LEVEL outputs at each of DEPTH generations."""
    production = Production.objects.create(code=code, name=code)
    level = footage = _assets(production, f"{code}-r", roots)
    for depth in range(1, DEPTH + 1):
        children = _assets(
            production,
            f"{code}-d{depth}-",
            len(level) * PER_LEVEL // (1 if depth == 1 else PER_LEVEL),
        )
        parents = level if depth == 1 else level
        edges = [
            Derivation(
                production=production,
                output_type="asset",
                output_id=child,
                input_type="asset",
                input_id=parents[i % len(parents)],
                activity_type="edit_job",
                activity_id=depth,
            )
            for i, child in enumerate(children)
        ]
        for start in range(0, len(edges), BATCH):
            Derivation.objects.bulk_create(edges[start : start + BATCH], batch_size=BATCH)
        level = children
    return production, footage


def _revoke(production: Production, footage: list[int]) -> tuple[float, int, int]:
    """Terminate a license listing the footage and propagate, timed. Statistics are refreshed first,
    as autovacuum keeps them on a running database."""
    party = Party.objects.get_or_create(name="Bench licensor")[0]
    license = License.objects.create(
        production=production,
        reference=f"BENCH-{production.code}",
        title="b",
        licensor=party,
        licensee=party,
        status="terminated",
        coverage="listed",
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    LicensedAsset.objects.bulk_create(
        [LicensedAsset(license=license, asset_id=pk) for pk in footage], batch_size=BATCH
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        run = taint_propagate(
            actor=SystemActor("bench"),
            cause_type="license",
            cause_id=license.pk,
            reason="terminated",
        )
        run = taint_run_execute(run_id=run.pk, batch_size=5000)
        seconds = time.perf_counter() - start
    return seconds, len(queries), run.total


def run(*, scale: float = 1.0) -> None:
    roots = max(10, int(10_000 * scale))
    covered = _graph("TAINTA", roots)
    _graph("OTHER1", roots)  # unrelated data of the same size
    first = _revoke(*covered)
    _graph("OTHER2", roots)
    _graph("OTHER3", roots)  # unrelated data doubled
    covered_again = _graph("TAINTB", roots)
    second = _revoke(*covered_again)
    total = Asset.objects.count()
    print_table(
        f"License revocation: {first[2]:,} affected nodes ({roots:,} footage, depth {DEPTH}); "
        f"database of {total:,} assets at the end",
        ["run", "seconds", "queries", "affected"],
        [
            ["unrelated data ×1", f"{first[0]:.2f}", str(first[1]), f"{first[2]:,}"],
            ["unrelated data ×2", f"{second[0]:.2f}", str(second[1]), f"{second[2]:,}"],
            ["ratio", f"{second[0] / first[0]:.2f}", "", ""],
        ],
    )
