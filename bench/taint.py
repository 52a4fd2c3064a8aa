"""Revoking a license that covers 10k assets with 100k descendants (depth 5), on a generated graph:
seconds and queries, median of 3 runs; then again after doubling the unrelated data. Goals: ≤ 10 s
at the default size, and the cost follows what was affected, not the size of the database (ratio
< 1.1). ``--batch`` sizes compare batch sizes on the first graph (how BATCH was chosen)."""

import datetime as dt
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, Derivation
from bench.harness import print_table
from licensing.models import License, LicensedAsset, Party, TaintRecord
from licensing.services.taint import BATCH as TAINT_BATCH
from licensing.services.taint import taint_propagate, taint_run_execute
from studio.actors import SystemActor
from studio.models import Production

BATCH = 10_000
DEPTH = 5
RUNS = 3
GOAL_SECONDS, GOAL_RATIO = 10.0, 1.1
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


def _license(production: Production, footage: list[int]) -> License:
    """A terminated license listing the footage."""
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
    return license


def _untaint(production: Production, license: License) -> float:
    """Back to before the run (scratch database only): records gone, assets active again. The
    seconds of that one UPDATE of every affected asset are the baseline: the write no taint avoids."""
    TaintRecord.objects.filter(cause_type="license", cause_id=license.pk).delete()
    start = time.perf_counter()
    Asset.objects.filter(production=production).update(status="active", status_reason="")
    return time.perf_counter() - start


def _revoke(production: Production, license: License, batch_size: int) -> tuple:
    """Propagate the license's end, timed. The dead rows of the previous run are vacuumed and the
    statistics refreshed first, as autovacuum does on a running database (otherwise each run pays
    for the bloat of the ones before it)."""
    bare = _untaint(production, license)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        run = taint_propagate(
            actor=SystemActor("bench"),
            cause_type="license",
            cause_id=license.pk,
            reason="terminated",
        )
        run = taint_run_execute(run_id=run.pk, batch_size=batch_size)
        seconds = time.perf_counter() - start
    return seconds, len(queries), run.total, bare


def _median_of_runs(production, license, batch_size: int) -> tuple:
    """(median seconds, queries, affected, each run's seconds, median seconds of the bare write)."""
    runs = [_revoke(production, license, batch_size) for _ in range(RUNS)]
    seconds = [r[0] for r in runs]
    bare = statistics.median(r[3] for r in runs)
    return statistics.median(seconds), runs[0][1], runs[0][2], seconds, bare


def run(*, scale: float = 1.0, batches: tuple[int, ...] = ()) -> None:
    roots = max(10, int(10_000 * scale))
    production, footage = _graph("TAINTA", roots)
    license = _license(production, footage)
    _graph("OTHER1", roots)  # unrelated data of the same size
    for size in batches:
        seconds, queries, *_ = _median_of_runs(production, license, size)
        print(f"batch {size:>7,}: {seconds:.2f} s, {queries} queries")
    first = _median_of_runs(production, license, TAINT_BATCH)
    _graph("OTHER2", roots)
    _graph("OTHER3", roots)  # unrelated data doubled
    production_b, footage_b = _graph("TAINTB", roots)
    second = _median_of_runs(production_b, _license(production_b, footage_b), TAINT_BATCH)
    total = Asset.objects.count()
    ratio = second[0] / first[0]
    print_table(
        f"License revocation: {first[2]:,} affected nodes ({roots:,} footage, depth {DEPTH}); "
        f"database of {total:,} assets at the end; median of {RUNS} runs, batches of {TAINT_BATCH:,};"
        " bare UPDATE: one statement rewriting every affected asset's status (the floor)",
        ["run", "seconds (median)", "runs", "queries", "affected", "bare UPDATE", "goal"],
        [
            [
                "unrelated data ×1",
                f"{first[0]:.2f}",
                " ".join(f"{s:.2f}" for s in first[3]),
                str(first[1]),
                f"{first[2]:,}",
                f"{first[4]:.2f} s",
                f"≤ {GOAL_SECONDS:.0f} s at scale 1",
            ],
            [
                "unrelated data ×2",
                f"{second[0]:.2f}",
                " ".join(f"{s:.2f}" for s in second[3]),
                str(second[1]),
                f"{second[2]:,}",
                f"{second[4]:.2f} s",
                "",
            ],
            ["ratio ×2 / ×1", f"{ratio:.2f}", "", "", "", "", f"< {GOAL_RATIO}"],
        ],
    )
