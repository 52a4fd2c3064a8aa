"""Descendants over a generated lineage graph of 100k edges: one recursive query, vs an indexed lookup.

The graph is a forest: each root (camera original) has outputs, which have outputs, five levels
deep, plus adapters trained on several roots, so walks cross between trees as real ones do.
"""

import random
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.lineage import lineage_descendants
from assets.models import Derivation
from bench.harness import print_table
from studio.models import Production

FANOUT = 3
DEPTH = 5
# The graph's node ids: far above any id a real row of the same run takes, so the later benchmarks'
# assets and adapters inherit none of this lineage.
ID_BASE = 10**12


def _build(production: Production, edges_wanted: int) -> list[int]:
    rng = random.Random(7)  # noqa: S311
    per_tree = sum(FANOUT**d for d in range(1, DEPTH + 1))
    trees = max(1, edges_wanted // per_tree)
    next_id, rows, roots = ID_BASE + 1, [], []
    for _ in range(trees):
        root = next_id
        roots.append(root)
        next_id += 1
        level = [root]
        for _depth in range(DEPTH):
            children = []
            for parent in level:
                for _ in range(FANOUT):
                    rows.append(
                        Derivation(
                            production=production,
                            output_type="asset",
                            output_id=next_id,
                            input_type="asset",
                            input_id=parent,
                            activity_type="edit_job",
                            activity_id=next_id,
                        )
                    )
                    children.append(next_id)
                    next_id += 1
            level = children
    for adapter in range(trees // 10):
        for root in rng.sample(roots, min(5, len(roots))):
            rows.append(
                Derivation(
                    production=production,
                    output_type="adapter",
                    output_id=ID_BASE + adapter + 1,
                    input_type="asset",
                    input_id=root,
                    activity_type="training_run",
                    activity_id=ID_BASE + adapter + 1,
                )
            )
    Derivation.objects.bulk_create(rows, batch_size=5000)
    return roots


def _median_time(fn, repeat: int = 15) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(times), len(queries)


def run(*, scale: float = 1.0) -> None:
    production = Production.objects.create(code="BENCHLINEAGE", name="Lineage benchmark")
    roots = _build(production, int(100_000 * scale))
    edges = Derivation.objects.count()

    def lookup():
        return Derivation.objects.filter(input_type="asset", input_id=roots[0]).first()

    baseline, _ = _median_time(lookup)
    rows = []
    for label, seeds in [
        ("1 root", roots[:1]),
        ("10 roots", roots[:10]),
        ("100 roots", roots[:100]),
    ]:
        found = len(lineage_descendants([("asset", r) for r in seeds]))
        seconds, queries = _median_time(
            lambda seeds=seeds: lineage_descendants([("asset", r) for r in seeds])
        )
        rows.append(
            [
                label,
                str(found),
                str(queries),
                f"{seconds * 1000:.2f} ms",
                f"{seconds / baseline:.1f}",
            ]
        )
    print_table(
        f"Descendants over {edges:,} edges (depth {DEPTH}) vs one indexed lookup ({baseline * 1000:.3f} ms)",
        ["seeds", "nodes found", "queries", "time", "× lookup"],
        rows,
    )
