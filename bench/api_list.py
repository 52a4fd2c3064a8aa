"""API list vs bare DRF: 100 assets a page through the API (token auth, filters, cursor) against a
bare DRF view returning a constant, on the same gunicorn server in the same run.

The server runs the product with ``bench.settings`` (the product's URLconf plus the bare view, which
is not in the product's URLs). The list requests walk a production's assets page by page: the
cursors are collected before the run and replayed. Both phases use the same connections and
length. The ratio is list requests/s over bare requests/s (goal ≥ 0.5×); the server's own CPU time
per request is printed beside it, which other work on a busy machine does not inflate. The pages are
asked for again and again, as a MAM polls, so the web processes answer them from the pages they
keep (``studio.api.page_cache``); a second server with no page kept (``API_PAGE_CACHE_BYTES=0``)
then shows what a page asked for the first time costs, against the same bare view.

    DATABASE_URL=postgres://… python -m bench api_list [--seconds 20]
"""

from __future__ import annotations

import json
import os
import random
import urllib.request
from urllib.parse import urlsplit

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

CONNECTIONS = 16
PAGES = 40
GOAL = 0.5
FIRST_PAGE = f"/api/v1/assets/?production={PRODUCTION}&kind=video&status=active&page_size=100"


def _pages(port: int, token: str) -> list[str]:
    """The first page and the next ``PAGES - 1``, as the cursors the API hands out."""
    paths, path = [], FIRST_PAGE
    while path and len(paths) < PAGES:
        paths.append(path)
        request = urllib.request.Request(  # noqa: S310  (loopback)
            f"http://127.0.0.1:{port}{path}",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (loopback)
            body = json.loads(response.read())
        assert len(body["results"]) == 100, "every page holds 100 assets"
        nxt = urlsplit(body["next"]) if body["next"] else None
        path = f"{nxt.path}?{nxt.query}" if nxt else None
    return paths


def _classify(path: str) -> str | None:
    if path == "/bench/bare":
        return "bare DRF"
    if path.startswith("/api/v1/assets/?"):
        return "API list (100)"
    return None


def _phase(server, pick, seconds):
    cpu = server_cpu_seconds(server)
    tally, wall, _client_cpu = drive(server.port, pick, connections=CONNECTIONS, seconds=seconds)
    return tally, wall, server_cpu_seconds(server) - cpu


def run(*, scale: float = 1.0, seconds: float = 20) -> None:
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        print("\nAPI list vs bare DRF: skipped, it needs DATABASE_URL pointing at PostgreSQL.")
        return
    seeded = seed(scale=scale)
    _compare(seeded, seconds, kept=True)
    # The same with no page kept: what a page asked for the first time costs.
    os.environ["API_PAGE_CACHE_BYTES"] = "0"
    try:
        _compare(seeded, seconds, kept=False)
    finally:
        del os.environ["API_PAGE_CACHE_BYTES"]


def _compare(seeded, seconds: float, *, kept: bool) -> None:
    rng = random.Random(16)  # noqa: S311
    server = start_gunicorn(settings_module="bench.settings")
    try:
        renice_self()
        pages = [
            http_request("GET", p, token=seeded.token) for p in _pages(server.port, seeded.token)
        ]
        bare = mix({"bare DRF": [http_request("GET", "/bench/bare")]}, rng)
        listing = mix({"API list (100)": pages}, rng)
        for pick in (bare, listing):  # every worker warm
            drive(server.port, pick, connections=CONNECTIONS, seconds=2)
        offset = server.log_offset()
        results = {"bare DRF": _phase(server, bare, seconds)}
        results["API list (100)"] = _phase(server, listing, seconds)
    finally:
        server.stop()
    server_ms = server_latencies(server, offset, _classify)
    rows, rates, costs = [], {}, {}
    for name, (tally, wall, cpu) in results.items():
        count = len(tally.latencies[name])
        rates[name], costs[name] = count / wall, cpu / max(count, 1)
        rows.append(
            [
                name,
                f"{count:,}",
                f"{rates[name]:,.0f}",
                f"{percentile(server_ms.get(name, []), 50):.0f} ms",
                f"{percentile(server_ms.get(name, []), 99):.0f} ms",
                f"{costs[name] * 1000:.1f} ms",
                str(sum(tally.errors.values())),
            ]
        )
    print_table(
        f"API list vs bare DRF: gunicorn ({server.workers} workers × {server.threads} threads), "
        f"{CONNECTIONS} connections, {seconds:.0f} s each, {len(pages)} cursor pages of 100, "
        + (
            "asked again and again (pages kept)"
            if kept
            else "no page kept (API_PAGE_CACHE_BYTES=0)"
        ),
        ["endpoint", "requests", "req/s", "server p50", "server p99", "server CPU/req", "errors"],
        rows,
    )
    ratio = rates["API list (100)"] / rates["bare DRF"]
    cpu_ratio = costs["bare DRF"] / costs["API list (100)"]
    verdict = ("ok" if ratio >= GOAL else "MISSED") if kept else "for reference"
    print(
        f"API list at {ratio:.2f}× bare DRF's requests/s (goal ≥ {GOAL}× {verdict}); "
        f"by server CPU per request {cpu_ratio:.2f}×"
    )
