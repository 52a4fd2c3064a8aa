"""Asset list pages kept per process and answered again, with ETags, until their data changes.

A poller must never see a page older than the last committed change to what it shows: each test
below changes one thing a page shows or is filtered by, by the path that changes it in the product
(or a plain statement, as an operator might), and asks again.
"""

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets import list_revisions, services
from assets.api import AssetViewSet
from assets.models import Appearance, Asset, ListChange, Person
from studio.api.page_cache import CachedPage, PageCache
from studio.beat import BEAT_SCHEDULE
from tests.factories import UserFactory

URL = "/api/v1/assets/"


@pytest.fixture
def poller(production, member, token_client):
    """An integration's token on ALPHA, as a MAM polls with it."""
    return token_client(member("integration", production), [production])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _asks_for_assets(queries) -> bool:
    return any('"assets_asset"' in query["sql"] for query in queries.captured_queries)


def test_a_page_asked_again_is_answered_without_its_query(poller, production, asset_row):
    asset_row(production)
    first = poller.get(URL)
    with CaptureQueriesContext(connection) as queries:
        again = poller.get(URL)
    assert again.content == first.content
    assert not _asks_for_assets(queries)
    assert len(queries) == 1  # the token's statement, which reads the revision too
    assert again["ETag"] == first["ETag"]
    assert again["ETag"].startswith('W/"')
    assert "private" in again["Cache-Control"]
    assert "no-cache" in again["Cache-Control"]
    assert "Authorization" in again["Vary"]


def test_if_none_match_answers_304_with_no_body(poller, production, asset_row):
    asset_row(production)
    etag = poller.get(URL)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = poller.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert len(queries) == 1
    # Another tag, a list of tags, a strong form of the same tag, garbage: weak comparison.
    assert poller.get(URL, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
    assert poller.get(URL, HTTP_IF_NONE_MATCH=f'"x", {etag}').status_code == 304
    assert poller.get(URL, HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    assert poller.get(URL, HTTP_IF_NONE_MATCH="not a tag at all").status_code == 200


def test_a_new_asset_moves_the_page(poller, production, asset_row):
    first = asset_row(production)
    before = poller.get(URL)
    second = asset_row(production)
    after = poller.get(URL)
    assert _ids(before) == [first.pk]
    assert _ids(after) == [second.pk, first.pk]
    assert after["ETag"] != before["ETag"]
    assert poller.get(URL, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


def test_a_withdrawal_moves_the_page(poller, production, asset_row, superuser):
    asset = asset_row(production)
    assert poller.get(f"{URL}?status=active").json()["results"][0]["id"] == asset.pk
    services.asset_withdraw(
        actor=superuser, assets=[asset], reason="Pulled by legal", override_reason="A test"
    )
    assert _ids(poller.get(f"{URL}?status=active")) == []
    row = poller.get(URL).json()["results"][0]
    assert (row["status"], row["status_reason"]) == ("withdrawn", "withdrawn: Pulled by legal")


def test_a_plain_update_and_a_delete_move_the_page(poller, production, asset_row):
    asset = asset_row(production)
    assert poller.get(URL).json()["results"][0]["thumbnail_url"] is None
    Asset.objects.filter(pk=asset.pk).update(thumbnail_key="derived/thumb.jpg")
    assert poller.get(URL).json()["results"][0]["thumbnail_url"].endswith("/thumbnail/")
    Asset.objects.filter(pk=asset.pk).delete()
    assert _ids(poller.get(URL)) == []


def test_an_appearance_moves_the_person_filter(poller, production, asset_row):
    asset = asset_row(production)
    person = Person.objects.create(name="Ada Lane")
    person.productions.add(production)
    page = f"{URL}?person={person.pk}"
    assert _ids(poller.get(page)) == []
    appearance = Appearance.objects.create(person=person, asset=asset)
    assert _ids(poller.get(page)) == [asset.pk]
    appearance.delete()
    assert _ids(poller.get(page)) == []


def test_a_production_code_change_moves_the_page(poller, production, asset_row):
    asset_row(production)
    assert poller.get(URL).json()["results"][0]["production"] == "ALPHA"
    production.code = "ALPHA2"
    production.save(update_fields=["code"])
    assert poller.get(URL).json()["results"][0]["production"] == "ALPHA2"


def test_a_change_elsewhere_leaves_the_page_kept(poller, production, other_production, asset_row):
    asset_row(production)
    etag = poller.get(URL)["ETag"]
    asset_row(other_production)
    with CaptureQueriesContext(connection) as queries:
        response = poller.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert not _asks_for_assets(queries)


def test_pages_are_kept_per_scope_and_per_site(
    settings, poller, production, other_production, token_client, asset_row
):
    settings.ALLOWED_HOSTS = ["testserver", "mam.example.org"]
    mine, theirs = asset_row(production), asset_row(other_production)
    both = token_client(UserFactory(is_superuser=True), [production, other_production])
    assert _ids(poller.get(URL)) == [mine.pk]
    assert set(_ids(both.get(URL))) == {mine.pk, theirs.pk}
    assert _ids(poller.get(URL)) == [mine.pk]
    here = poller.get(URL).json()["results"][0]["original_url"]
    there = poller.get(URL, HTTP_HOST="mam.example.org").json()["results"][0]["original_url"]
    assert here.startswith("http://testserver/")
    assert there.startswith("http://mam.example.org/")


def test_a_signed_in_person_is_not_answered_from_the_cache(api, production, member, asset_row):
    asset_row(production)
    api.force_login(member("viewer", production))
    response = api.get(URL)
    assert response.status_code == 200
    assert "ETag" not in response


def test_bad_requests_are_not_kept(poller, production, asset_row):
    asset_row(production)
    for _ in range(2):
        assert poller.get(f"{URL}?cursor=garbage").status_code == 400
        assert poller.get(f"{URL}?created_after=yesterday").status_code == 400


def test_the_cache_off_keeps_nothing(settings, poller, production, asset_row):
    settings.API_PAGE_CACHE_BYTES = 0
    asset_row(production)
    poller.get(URL)
    with CaptureQueriesContext(connection) as queries:
        response = poller.get(URL)
    assert response.status_code == 200
    assert "ETag" not in response
    assert _asks_for_assets(queries)


@pytest.mark.django_db(transaction=True)
def test_an_uncommitted_change_is_not_shown_and_its_commit_is(
    production, member, token_client, asset_row
):
    poller = token_client(member("integration", production), [production])
    asset = asset_row(production)
    assert poller.get(URL).json()["results"][0]["status"] == "active"
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        other.execute("UPDATE assets_asset SET status = 'withdrawn' WHERE id = %s", [asset.pk])
        assert poller.get(URL).json()["results"][0]["status"] == "active"
        other.commit()
        assert poller.get(URL).json()["results"][0]["status"] == "withdrawn"
    finally:
        other.close()


def test_one_statement_over_many_assets_is_one_change(production, other_production, asset_row):
    for _ in range(30):
        asset_row(production)
    asset_row(other_production)
    before = ListChange.objects.count()
    Asset.objects.all().update(status_reason="Checked")
    assert ListChange.objects.count() == before + 2
    assert set(ListChange.objects.order_by("-id").values_list("production_id", flat=True)[:2]) == {
        production.pk,
        other_production.pk,
    }


def test_compaction_keeps_the_revision_and_the_pages(poller, production, asset_row):
    asset_row(production)
    revision = list_revisions.revision([production.pk])
    etag = poller.get(URL)["ETag"]
    assert list_revisions.compact() >= 1
    assert ListChange.objects.count() == 0
    assert list_revisions.revision([production.pk]) == revision
    assert poller.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    asset_row(production)
    assert list_revisions.revision([production.pk]) == revision + 1
    assert list_revisions.compact() == 1
    assert list_revisions.revision([production.pk]) == revision + 1
    assert poller.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert list_revisions.revision([]) == 0


def test_the_beat_folds_the_changes_every_minute():
    entry = BEAT_SCHEDULE["assets-compact-list-changes"]
    assert entry["task"] == "assets.compact_list_changes"
    assert entry["schedule"] == 60.0


def test_the_cache_stays_within_its_budget():
    cache = PageCache(lambda ids: 0, budget_bytes=1000)
    pages = [CachedPage(("page", n), None) for n in range(6)]
    for page in pages[:5]:
        cache.keep(page, b"x" * 200)
    assert len(cache) == 5
    cache.keep(pages[5], b"x" * 200)  # over the budget: the least recently used goes
    assert len(cache) == 5
    assert ("page", 0) not in cache._pages
    cache.keep(CachedPage(("large",), None), b"x" * 251)  # over a quarter: not kept
    assert ("large",) not in cache._pages
    assert cache._bytes <= 1000


def test_the_asset_list_declares_its_cache():
    assert AssetViewSet.page_cache.revision is list_revisions.revision
    assert AssetViewSet.page_cache.token_columns
