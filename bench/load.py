"""Load: the production server (gunicorn, ``deploy/gunicorn.conf.py``) on PostgreSQL, 64 connections.

First the trivial endpoint alone (``/healthz``: the whole middleware stack, no database) for a
quarter of the run, then the mix for the run's length: the 100-row asset list, an asset's detail and
``POST /api/v1/clearance/check`` (8 assets, ``ai_edit``), in equal shares, token-authenticated.
Server-side latency is gunicorn's own (``%(M)s`` in the access log: from the request parsed to the
response written); the client's is printed beside it. The mix's requests/s is compared with the
trivial endpoint's. Goals: 0 errors, server p99 < 300 ms for the list and < 200 ms for detail and
check, mix ≥ 0.3× trivial. ``--profile`` prints where the list, a filtered list, the detail and the
check spend their time in-process instead (cProfile through Django's test client), with the Python
function calls each request makes: a count that, unlike a timing, is the same from run to run.

    DATABASE_URL=postgres://… python -m bench load [--seconds 60] [--profile]
"""

from __future__ import annotations

import os
import random
import re

from bench.harness import print_table
from bench.server import (
    drive,
    http_request,
    mix,
    percentile,
    renice_self,
    server_cpu_seconds,
    server_latencies,
    start_gunicorn,
)
from bench.world import PRODUCTION, seed

CONNECTIONS = 64
GOALS_MS = {"list (100 rows)": 300, "detail": 200, "check": 200}
MIX_GOAL = 0.3
LIST_PATH = f"/api/v1/assets/?production={PRODUCTION}&page_size=100"
CHECK_PATH = "/api/v1/clearance/check"


def _check_body(rng: random.Random, asset_ids: list[int], people_assets: list[int]) -> dict:
    inputs = rng.sample(asset_ids, 6) + rng.sample(people_assets, 2)
    return {
        "production": PRODUCTION,
        "action": "ai_edit",
        "assets": inputs,
        "territory": "US",
        "media": "svod",
    }


def requests(seeded, rng: random.Random) -> dict[str, list[bytes]]:
    token = seeded.token
    return {
        "list (100 rows)": [http_request("GET", LIST_PATH, token=token)],
        "detail": [
            http_request("GET", f"/api/v1/assets/{pk}/", token=token)
            for pk in rng.sample(seeded.asset_ids, 500)
        ],
        "check": [
            http_request(
                "POST",
                CHECK_PATH,
                token=token,
                body=_check_body(rng, seeded.asset_ids, seeded.people_assets),
            )
            for _ in range(500)
        ],
    }


def classify(path: str) -> str | None:
    if path == "/healthz":
        return "trivial (/healthz)"
    if path.startswith("/api/v1/assets/?"):
        return "list (100 rows)"
    if re.fullmatch(r"/api/v1/assets/\d+/", path):
        return "detail"
    if path == CHECK_PATH:
        return "check"
    return None


def _row(name, server_ms, tally, wall, goal):
    count = len(tally.latencies.get(name, []))
    client = [s * 1000 for s in tally.latencies.get(name, [])]
    p99 = percentile(server_ms, 99)
    return [
        name,
        f"{count:,}",
        f"{count / wall:,.0f}",
        f"{percentile(server_ms, 50):.0f} ms",
        f"{p99:.0f} ms",
        f"< {goal} ms {'ok' if p99 < goal else 'MISSED'}" if goal else "—",
        f"{percentile(client, 50):.0f} ms",
        f"{percentile(client, 99):.0f} ms",
        str(tally.errors.get(name, 0)),
    ]


def _profile(seeded, rng) -> None:
    import cProfile  # reason: only the --profile run needs it
    import pstats  # reason: only the --profile run needs it
    import time  # reason: only the --profile run needs it

    from django.conf import settings  # reason: only the --profile run needs it
    from django.db import connection  # reason: only the --profile run needs it
    from django.test import Client  # reason: only the --profile run needs it
    from django.test.utils import CaptureQueriesContext  # reason: only the --profile run needs it

    settings.DEBUG = False  # no query log in the profile
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {seeded.token}")
    body = _check_body(rng, seeded.asset_ids, seeded.people_assets)
    detail = f"/api/v1/assets/{seeded.asset_ids[0]}/"
    for label, call in (
        ("list (100 rows)", lambda: client.get(LIST_PATH)),
        ("list (100 rows, 3 filters)", lambda: client.get(f"{LIST_PATH}&kind=video&status=active")),
        ("detail", lambda: client.get(detail)),
        ("check", lambda: client.post(CHECK_PATH, body, content_type="application/json")),
    ):
        response = call()
        assert response.status_code == 200, response.content[:500]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            for _ in range(20):
                call()
            took = (time.perf_counter() - started) / 20
        print(f"\n{label}: {took * 1000:.1f} ms in-process, {len(queries) // 20} queries")
        for query in queries.captured_queries[: len(queries) // 20]:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:400]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            call()
        profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"\nProfile: 20 × {label}, {stats.total_calls / 20:,.0f} function calls a request")
        stats.sort_stats("tottime").print_stats(18)


def run(*, scale: float = 1.0, seconds: float = 60, profile: bool = False) -> None:
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        print("\nLoad: skipped, it needs DATABASE_URL pointing at PostgreSQL.")
        return
    rng = random.Random(14)  # noqa: S311
    seeded = seed(scale=scale)
    if profile:
        _profile(seeded, rng)
        return
    server = start_gunicorn()
    try:
        renice_self()
        prepared = requests(seeded, rng)
        trivial = {"trivial (/healthz)": [http_request("GET", "/healthz")]}
        # Every worker warm (imports, URLconf, connection pool) before anything is counted.
        drive(server.port, mix(prepared, rng), connections=CONNECTIONS, seconds=5)
        offset = server.log_offset()
        used = server_cpu_seconds(server)
        base, base_wall, base_cpu = drive(
            server.port, mix(trivial, rng), connections=CONNECTIONS, seconds=seconds / 4
        )
        trivial_server_cpu, used = server_cpu_seconds(server) - used, server_cpu_seconds(server)
        load, wall, cpu = drive(
            server.port, mix(prepared, rng), connections=CONNECTIONS, seconds=seconds
        )
        mix_server_cpu = server_cpu_seconds(server) - used
    finally:
        server.stop()
    server_ms = server_latencies(server, offset, classify)
    rows = [_row("trivial (/healthz)", server_ms["trivial (/healthz)"], base, base_wall, None)]
    rows += [
        _row(name, server_ms.get(name, []), load, wall, goal) for name, goal in GOALS_MS.items()
    ]
    trivial_rps, mix_rps = base.total() / base_wall, load.total() / wall
    errors = sum(base.errors.values()) + sum(load.errors.values())
    print_table(
        f"Load: gunicorn ({server.workers} workers × {server.threads} threads, "
        f"deploy/gunicorn.conf.py) on PostgreSQL, {CONNECTIONS} connections, "
        f"{len(seeded.asset_ids):,} assets; trivial {seconds / 4:.0f} s, then the mix {seconds:.0f} s",
        [
            "endpoint",
            "requests",
            "req/s",
            "server p50",
            "server p99",
            "goal",
            "client p50",
            "client p99",
            "errors",
        ],
        rows,
    )
    ratio = mix_rps / trivial_rps
    print(
        f"mix: {mix_rps:,.0f} req/s = {ratio:.2f}× the trivial endpoint's {trivial_rps:,.0f} "
        f"(goal ≥ {MIX_GOAL}× {'ok' if ratio >= MIX_GOAL else 'MISSED'}); errors: {errors} "
        f"(goal 0 {'ok' if errors == 0 else 'MISSED'})"
    )
    if errors:
        print(f"first error: {base.first_error or load.first_error}")
    trivial_cost = trivial_server_cpu / max(base.total(), 1)
    mix_cost = mix_server_cpu / max(load.total(), 1)
    print(
        f"server CPU per request: {mix_cost * 1000:.1f} ms mix, {trivial_cost * 1000:.1f} ms trivial "
        f"({trivial_cost / mix_cost:.2f}×: the throughput ratio where the server has the CPU to itself)"
    )
    print(
        f"load generator (niced +10): {100 * base_cpu / base_wall:.0f}% / "
        f"{100 * cpu / wall:.0f}% of one core during the trivial / mix phases"
    )
