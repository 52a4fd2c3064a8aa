"""Gate decisions on a generated rights database, vs one indexed primary-key lookup in the same run.

Full size (--scale 10): 1M assets, 200k licenses, 100k consents, 500k appearances. The default is
ten times smaller. Each decision is an AI edit of 8 inputs with 4 people in each.
"""

import datetime as dt
import gc
import os
import random
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assets.models import Appearance, Asset, Person
from bench.harness import bulk_insert, print_table
from bench.world import consenting_people, listed_licenses, video_assets
from licensing.gate import UseRequest, evaluate
from licensing.models import Consent, License, Party
from studio.models import Production

USE = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)


def _generate(scale: float, rng: random.Random) -> tuple[Production, list[int]]:
    n_assets, n_licenses = int(100_000 * scale), int(20_000 * scale)
    n_appearances = int(50_000 * scale)  # a person in five assets, each with one consent
    production = Production.objects.create(code="BENCHGATE", name="Gate benchmark")
    party = Party.objects.create(name="Bench party")
    asset_ids = video_assets(production, n_assets)
    listed_licenses(production, party, asset_ids, n_licenses, "B")
    n_people = max(1, n_appearances // 5)
    people = consenting_people(production, n_people)
    bulk_insert(
        Appearance,
        [
            Appearance(person_id=people[i % n_people], asset_id=asset_ids[i % n_assets])
            for i in range(n_appearances)
        ],
    )
    return production, _request_inputs(asset_ids, n_people, rng)


def _request_inputs(asset_ids: list[int], n_people: int, rng: random.Random) -> list[int]:
    """Assets whose appearances come to 4 people each (the first assets: appearance i goes to asset i)."""
    return rng.sample(asset_ids[: min(len(asset_ids), n_people)], 8)


def _median(fn, repeat: int) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(captured)
    return statistics.median(times), queries


def _mam_client(production: Production):
    """A MAM's read-only token on the production, and a caller of the check view with it."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory

    from licensing.api import ClearanceCheckView
    from studio.models import Membership
    from studio.services import api_token_create

    user = get_user_model().objects.create_user(username="bench-mam", password=None)
    Membership.objects.create(user=user, production=production, role="viewer")
    _, raw_key = api_token_create(actor=user, user=user, name="bench", productions=[production])
    view, factory = ClearanceCheckView.as_view(), APIRequestFactory()

    def post(body: dict) -> dict:
        request = factory.post(
            "/api/v1/clearance/check", body, format="json", HTTP_AUTHORIZATION=f"Bearer {raw_key}"
        )
        response = view(request)
        response.render()  # JSON out, as a client receives it
        assert response.status_code == 200, response.content[:500]
        return response

    return post


def _bulk_uses(asset_ids: list[int], rng: random.Random, count: int) -> list[dict]:
    return [
        {
            "assets": [rng.choice(asset_ids)],
            "action": "ai_edit",
            "territory": rng.choice(["US", "FR", "DE", "JP"]),
            "media": rng.choice(["svod", "broadcast"]),
            "at": USE.isoformat(),
        }
        for _ in range(count)
    ]


def run(*, scale: float = 1.0) -> None:
    rng = random.Random(11)  # noqa: S311
    seeding = time.perf_counter()
    with transaction.atomic():
        production, inputs = _generate(scale, rng)
    for asset_id in inputs:  # 4 people in each input, as the benchmark promises
        present = Appearance.objects.filter(asset_id=asset_id).count()
        people = list(
            Person.objects.filter(productions=production)
            .order_by("?")
            .values_list("pk", flat=True)[: max(0, 4 - present)]
        )
        Appearance.objects.bulk_create([Appearance(person_id=p, asset_id=asset_id) for p in people])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seeding = time.perf_counter() - seeding
    # As the server's workers do once the app is loaded (``deploy/gunicorn.conf.py``): what exists
    # now, the seeded world's objects included, is out of the garbage collector's sight, so a
    # decision's collections walk what the decision made, whatever the size of the seeding.
    gc.collect()
    gc.freeze()
    try:
        _measure(scale, production, inputs, rng, seeding)
    finally:
        gc.unfreeze()


def _measure(scale, production, inputs, rng, seeding) -> None:
    request = UseRequest(
        action="ai_edit",
        production_id=production.pk,
        asset_ids=tuple(inputs),
        territory="US",
        media="svod",
        at=USE,
    )
    decision = evaluate(request)
    lookup, _ = _median(lambda: Asset.objects.filter(pk=inputs[0]).first(), 51)
    seconds, queries = _median(lambda: evaluate(request), 51)
    people = sum(r.code in ("consent", "consent_missing") for r in decision.reasons)
    if os.environ.get("BENCH_VERBOSE"):
        with CaptureQueriesContext(connection) as captured:
            evaluate(request)
        for query in captured.captured_queries:
            print(f"{float(query['time']) * 1000:8.2f} ms  {query['sql'][:150]}")
    print_table(
        f"Gate decision: ai_edit of 8 inputs with {people} person-consent checks (scale {scale}: "
        f"{Asset.objects.count():,} assets, {License.objects.count():,} licenses, "
        f"{Consent.objects.count():,} consents, {Appearance.objects.count():,} appearances; "
        f"seeded in {seeding:.0f} s)",
        [
            "decisions/s",
            "ms/decision",
            "queries/decision",
            "pk lookup",
            "decision/lookup",
            "goal",
            "allowed",
        ],
        [
            [
                f"{1 / seconds:,.0f}",
                f"{seconds * 1000:.2f}",
                str(queries),
                f"{lookup * 1000:.3f} ms",
                f"{seconds / lookup:.1f}×",
                "≤ 10×",
                str(decision.allowed),
            ]
        ],
    )
    _endpoint(production, inputs, rng, seconds)


def _endpoint(production: Production, inputs: list[int], rng: random.Random, decision: float):
    """``POST /api/v1/clearance/check`` with a token: one use of 8 inputs, one single-asset use, and
    1,000 single-asset uses in one bulk call."""
    post = _mam_client(production)
    body = {"production": production.code}
    use = {"action": "ai_edit", "territory": "US", "media": "svod", "at": USE.isoformat()}
    eight, eight_q = _median(lambda: post(body | use | {"assets": inputs}), 25)
    uses = _bulk_uses(inputs, rng, 1000)
    # The bulk call and its baseline take turns, so each ratio meets one state of the machine;
    # each starts with the garbage of the other collected.
    rounds = []
    for _ in range(9):
        gc.collect()
        one, one_q = _median(lambda: post(body | use | {"assets": inputs[:1]}), 5)
        gc.collect()
        bulk, bulk_q = _median(lambda: post(body | {"uses": uses}), 1)
        rounds.append((one, bulk))
    one = statistics.median(one for one, _ in rounds)
    bulk = statistics.median(bulk for _, bulk in rounds)
    ratios = sorted(bulk / one for one, bulk in rounds)
    print_table(
        "POST /api/v1/clearance/check (token auth, view + DRF + JSON out, no middleware)",
        ["call", "ms", "queries", "ratio", "goal"],
        [
            ["1 use of 8 inputs", f"{eight * 1000:.2f}", str(eight_q), "", "≤ 5 queries"],
            ["1 use of 1 input", f"{one * 1000:.2f}", str(one_q), "", "≤ 5 queries"],
            [
                "1,000 single-asset uses",
                f"{bulk * 1000:.1f}",
                str(bulk_q),
                f"{statistics.median(ratios):.1f}× one single-use call (rounds "
                f"{ratios[0]:.1f}–{ratios[-1]:.1f}); {bulk / decision:.1f}× one decision",
                "≤ 20×, ≤ 5 queries",
            ],
        ],
    )
