"""Every route's cost is flat in the size of what it reads or takes, driven by the router's registry:
each list at 1 vs 50 rows, each detail at 1 vs 50 of its nested things, each POST that takes a list
of ids at 1 vs 50 ids. A route added to the API without a case here fails the first test."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from tests.api_contract.sized_world import SizedWorld, sized_world

NAMESPACE = "v1"
SMALL, LARGE = 1, 50


def registered_routes() -> set[str]:
    _, resolver = get_resolver().namespace_dict[NAMESPACE]
    return {name for name in resolver.reverse_dict if isinstance(name, str)}


def _url(name: str, *args) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


# GET routes that read one object with nested lists, beyond each collection's own detail.
NESTED_READS: dict[str, Callable[[SizedWorld], str]] = {
    "me": lambda w: _url("me"),  # the caller's memberships
    "license-odrl": lambda w: _url("license-odrl", w.first("license").pk),  # its grants
}


@dataclass(frozen=True)
class IdsPost:
    """A POST whose body carries ``k`` ids (or production codes); ``per_id`` queries per extra id
    are tolerated (0: flat)."""

    url: Callable[[SizedWorld], str]
    body: Callable[[SizedWorld, int], dict]
    per_id: int = 0


def _codes(w: SizedWorld, k: int) -> list[str]:
    return [p.code for p in w.rows["production"][:k]]


WHEN = "2027-01-01T00:00:00Z"
IDS_POSTS: dict[str, IdsPost] = {
    "asset-withdraw": IdsPost(
        lambda w: _url("asset-withdraw"),
        lambda w, k: {"assets": w.ids("asset", k), "reason": "pulled", "override_reason": "all"},
    ),
    "license-link-assets": IdsPost(
        lambda w: _url("license-link-assets", w.rows["license"][1].pk),
        lambda w, k: {"assets": w.ids("asset", k)},
    ),
    # The clearance check is being reworked to answer many uses at once: this row belongs to that
    # work (its body and its tolerance are adjusted here when the check's input changes).
    "clearance-check": IdsPost(
        lambda w: _url("clearance-check"),
        lambda w, k: {
            "production": "ALPHA",
            "action": "distribute",
            "assets": w.ids("asset", k),
            "territory": "FR",
            "media": "svod",
        },
        per_id=0,
    ),
    "clearancerequest-list": IdsPost(
        lambda w: _url("clearancerequest-list"),
        lambda w, k: {
            "production": "ALPHA",
            "assets": w.ids("asset", k),
            "action": "distribute",
            "territory": "FR",
            "media": "svod",
            "use_from": WHEN,
            "purpose": "trailer",
        },
    ),
    "license-list": IdsPost(
        lambda w: _url("license-list"),
        lambda w, k: {
            "production": "ALPHA",
            "reference": "L-NEW",
            "title": "New",
            "licensor": w.rows["party"][0].pk,
            "licensee": w.rows["party"][1].pk,
            "status": "active",
            "starts_at": WHEN,
            "coverage": "listed",
            "assets": w.ids("asset", k),
            "grants": [{"action": "distribute"}],
        },
    ),
    "person-list": IdsPost(
        lambda w: _url("person-list"),
        lambda w, k: {"name": "New person", "productions": _codes(w, k)},
    ),
    "consent-list": IdsPost(
        lambda w: _url("consent-list"),
        lambda w, k: {
            "person": w.first("person").pk,
            "productions": _codes(w, k),
            "scope": "voice",
            "description": "voice for the trailer",
            "valid_from": WHEN,
            "signed_by": "Person 0",
            "signed_at": WHEN,
        },
    ),
    "apitoken-list": IdsPost(
        lambda w: _url("apitoken-list"),
        lambda w, k: {"name": "new", "productions": _codes(w, k)},
    ),
}

# Routes whose cost does not depend on a number of rows or ids, or is asserted where it is built.
UNSIZED = {
    "api-root": "a fixed list of links",
    "report": "each report's count is asserted in tests/reports/test_query_counts.py",
    "asset-original": "a file",
    "asset-proxy": "a file",
    "asset-thumbnail": "a file",
    "asset-credentials": "one file's manifest",
    "asset-lineage": "one recursive query at any depth or width (tests/assets/test_lineage.py)",
    "credentials-verify": "an uploaded file",
    "license-import-odrl": "one document, created whole (tests/licensing/test_odrl.py)",
    "license-set-status": "one license",
    "consent-revoke": "one consent (its taint runs on the worker)",
    "clearancerequest-decide": "one request",
    "editjob-cancel": "one job",
    "editjob-recall": "one job",
    "adapter-retrain": "one adapter",
    "apitoken-revoke": "one token",
    "webhooksubscription-test": "one delivery",
    "auditevent-verify": "walks the chain in fixed-size batches (tests/legal_desk)",
}


def _kinds(suffix: str) -> set[str]:
    return {n.removesuffix(suffix) for n in registered_routes() if n.endswith(suffix)}


def _gets(world: SizedWorld) -> dict[str, str]:
    urls = {f"{kind}-list": _url(f"{kind}-list") for kind in _kinds("-list")}
    urls |= {
        f"{kind}-detail": _url(f"{kind}-detail", world.first(kind).pk) for kind in _kinds("-detail")
    }
    return urls | {name: url(world) for name, url in NESTED_READS.items()}


def _count(client, method: str, url: str, body=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, body, format="json")
    assert response.status_code in (200, 201), (url, response.content[:500])
    return len(queries), response.json()


def _rows(body) -> int:
    return len(body["results"]) if isinstance(body, dict) and "results" in body else 0


@pytest.fixture
def world(db) -> SizedWorld:
    return sized_world()


@pytest.fixture
def client(api, world):
    api.force_login(world.user)
    return api


def test_every_route_has_a_query_count_case():
    covered = {f"{k}-list" for k in _kinds("-list")} | {f"{k}-detail" for k in _kinds("-detail")}
    covered |= set(NESTED_READS) | set(IDS_POSTS) | set(UNSIZED)
    missing = sorted(name for name in registered_routes() if name not in covered)
    assert not missing, f"routes without a query-count case in {__name__}: {missing}"
    stale = sorted((set(NESTED_READS) | set(IDS_POSTS) | set(UNSIZED)) - registered_routes())
    assert not stale, f"cases for routes that no longer exist: {stale}"


def test_every_read_costs_the_same_for_1_and_50(world, client):
    world.grow(SMALL)
    small = {name: _count(client, "get", url) for name, url in _gets(world).items()}
    world.grow(LARGE)
    large = {name: _count(client, "get", url) for name, url in _gets(world).items()}

    grown = {name: (small[name][0], large[name][0]) for name in small}
    assert {name: counts for name, counts in grown.items() if counts[0] != counts[1]} == {}
    lists = [name for name in small if name.endswith("-list")]
    assert {name for name in lists if _rows(large[name][1]) != LARGE} == set()
    assert {name for name in lists if _rows(small[name][1]) != SMALL} == set()


@pytest.mark.parametrize("name", sorted(IDS_POSTS))
def test_a_post_costs_the_same_for_1_and_50_ids(world, client, name):
    case = IDS_POSTS[name]
    world.grow(LARGE)

    counts = {}
    for k in (SMALL, LARGE):
        with transaction.atomic():
            counts[k] = _count(client, "post", case.url(world), case.body(world, k))[0]
            transaction.set_rollback(True)

    assert counts[LARGE] - counts[SMALL] <= case.per_id * (LARGE - SMALL), counts
