"""Reading footage over the API: scoped, filtered lists, downloads, thumbnails and proxies."""

import io

import av
import pytest
from PIL import Image

from assets import services
from assets.models import Appearance, Person

URL = "/api/v1/assets/"


def _ingest(actor, production, path):
    return services.asset_ingest(
        actor=actor, production=production, source=path, filename=path.name
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def catalogue(production, other_production, asset_row):
    """Assets of both productions, varied by kind, origin and status, one with an appearance."""
    video = asset_row(production)
    image = asset_row(production, kind="image", mime_type="image/png", origin="archive")
    withdrawn = asset_row(production, status="withdrawn")
    elsewhere = asset_row(other_production)
    person = Person.objects.create(name="Ada Lane")
    person.productions.add(production)
    Appearance.objects.create(person=person, asset=image)
    return {
        "video": video,
        "image": image,
        "withdrawn": withdrawn,
        "elsewhere": elsewhere,
        "person": person,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"video", "image", "withdrawn"}),
        ("production=ALPHA", {"video", "image", "withdrawn"}),
        ("production=BRAVO", set()),
        ("kind=image", {"image"}),
        ("origin=archive", {"image"}),
        ("status=withdrawn", {"withdrawn"}),
        ("sha256={video}", {"video"}),
        ("person={person}", {"image"}),
    ],
)
def test_the_list_is_scoped_and_filtered(api, production, member, catalogue, query, expected):
    api.force_login(member("viewer", production))
    query = query.format(video=catalogue["video"].sha256, person=catalogue["person"].pk)

    response = api.get(f"{URL}?{query}")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {catalogue[name].pk for name in expected}


def test_the_original_downloads_with_its_bytes(api, coordinator, production, clip):
    asset = _ingest(coordinator, production, clip).asset
    api.force_login(coordinator)

    response = api.get(f"{URL}{asset.pk}/original/")

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert "attachment" in response["Content-Disposition"]
    assert _body(response) == clip.read_bytes()


def test_a_clip_gets_a_jpeg_thumbnail_and_an_h264_proxy(
    api, coordinator, production, clip, tmp_path
):
    asset = _ingest(coordinator, production, clip).asset
    api.force_login(coordinator)
    assert api.get(f"{URL}{asset.pk}/thumbnail/").status_code == 404

    services.asset_make_derivatives(asset_id=asset.pk)

    thumbnail = api.get(f"{URL}{asset.pk}/thumbnail/")
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(_body(thumbnail))).format == "JPEG"
    proxy = api.get(f"{URL}{asset.pk}/proxy/")
    assert (proxy.status_code, proxy["Content-Type"]) == (200, "video/mp4")
    (tmp_path / "proxy.mp4").write_bytes(_body(proxy))
    with av.open(str(tmp_path / "proxy.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.codec_context.width) == ("h264", 320)
        assert next(container.decode(stream)) is not None
    assert api.get(f"{URL}{asset.pk}/").json()["proxy_url"].endswith(f"{asset.pk}/proxy/")


def test_a_still_gets_a_webp_proxy(api, coordinator, production, still):
    asset = _ingest(coordinator, production, still).asset
    api.force_login(coordinator)

    services.asset_make_derivatives(asset_id=asset.pk)

    proxy = api.get(f"{URL}{asset.pk}/proxy/")
    assert (proxy.status_code, proxy["Content-Type"]) == (200, "image/webp")
    assert Image.open(io.BytesIO(_body(proxy))).format == "WEBP"
    thumbnail = Image.open(io.BytesIO(_body(api.get(f"{URL}{asset.pk}/thumbnail/"))))
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) <= 320


@pytest.mark.parametrize("suffix", ["", "original/", "thumbnail/", "proxy/", "lineage/"])
def test_an_asset_of_another_production_is_not_found(
    api, superuser, production, other_production, member, still, suffix
):
    asset = _ingest(superuser, production, still).asset
    services.asset_make_derivatives(asset_id=asset.pk)
    api.force_login(member("legal", other_production))

    response = api.get(f"{URL}{asset.pk}/{suffix}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_list_rows_read_columns_directly_and_say_what_drf_says(
    api, production, member, asset_row, rf
):
    """The list's serializer skips DRF's generic lookups and reverses each link once per request;
    every row is still exactly what DRF's own ModelSerializer writes."""
    from django.utils import timezone
    from rest_framework import serializers
    from rest_framework.request import Request

    from assets.api import AssetSerializer
    from assets.models import Asset

    asset_row(production)
    asset_row(production, thumbnail_key="derived/x/t.jpg", proxy_key="derived/x/p.mp4", width=None)
    request = Request(rf.get(URL, HTTP_HOST="localhost"))
    rows = Asset.objects.select_related("production").order_by("pk")
    context = {"request": request}

    with timezone.override("Europe/Paris"):  # the request's zone, as UserTimezoneMiddleware sets
        fast = AssetSerializer(rows, many=True, context=context).data
        plain = [
            serializers.ModelSerializer.to_representation(
                AssetSerializer(context={"request": request}), a
            )
            for a in rows
        ]

    assert fast == plain
    assert fast[1]["proxy_url"] == f"http://localhost{URL}{rows[1].pk}/proxy/"
    assert fast[0]["thumbnail_url"] is None
    assert fast[0]["production"] == production.code
    assert fast[0]["created_at"].endswith(("+01:00", "+02:00"))


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="the database renders the list on PostgreSQL only",
)
@pytest.mark.parametrize(
    "zone", ["", "Asia/Kolkata", "America/New_York", "Europe/London", "Pacific/Chatham"]
)
def test_the_list_and_detail_the_database_writes_are_what_the_serializer_writes(
    api, production, member, asset_row, zone
):
    """PostgreSQL writes the list page's rows and each detail (``studio.api.sql_json``); each is,
    value for value, what ``AssetSerializer`` writes in the request's zone (the cookie's, or UTC)."""
    import datetime as dt
    import json

    from django.utils import timezone
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from assets.api import AssetSerializer
    from assets.models import Asset

    winter = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.UTC)
    rows = [
        asset_row(production),
        asset_row(
            production,
            thumbnail_key="derived/x/t.jpg",
            proxy_key="derived/x/p.mp4",
            width=None,
            duration_seconds=None,
            original_filename='Ünïcödé "quoted" \\ back\tslash\u2028.mov',
            technical={"video": {"pix_fmt": "yuv420p10le", "bit_rate": 120_000_000}, "a": [1, 2.5]},
            c2pa_failure_codes=["assertion.hashedURI.mismatch"],
            status_reason="withdrawn: <script>",
        ),
        asset_row(production, duration_seconds=1 / 3, fps="24000/1001", audio_channels=6),
    ]
    Asset.objects.filter(pk=rows[0].pk).update(created_at=winter)
    Asset.objects.filter(pk=rows[1].pk).update(created_at=winter.replace(month=7, microsecond=1))
    api.force_login(member("viewer", production))
    if zone:
        api.cookies["clearcut_tz"] = zone

    response = api.get(URL, {"production": production.code})

    assert response.status_code == 200
    page = json.loads(response.content)
    request = APIRequestFactory().get(URL, HTTP_HOST="testserver")
    with timezone.override(zone or "UTC"):
        expected = AssetSerializer(
            Asset.objects.filter(production=production).order_by("-pk"),
            many=True,
            context={"request": Request(request)},
        ).data
    assert page["results"] == json.loads(json.dumps(expected))
    assert [list(row) for row in page["results"]] == [list(row) for row in expected]
    assert page["next"] is None
    assert page["previous"] is None
    for row in expected:  # each detail, written the same way
        detail = api.get(f"{URL}{row['id']}/")
        assert detail.status_code == 200
        assert json.loads(detail.content) == json.loads(json.dumps(row))


def test_a_detail_by_token_is_one_prepared_statement_within_scope(
    production, other_production, member, token_client, asset_row
):
    from django.db import connection  # noqa: PLC0415  (this case alone counts statements)
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    mine, theirs = asset_row(production), asset_row(other_production)
    client = token_client(member("integration", production), [production])
    client.get(f"{URL}{mine.pk}/")  # the token's last use is written at most once a minute
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{URL}{mine.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == mine.pk
    assert len(queries) == 2  # the token's statement, the row's
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("JSON_BUILD_OBJECT" in statement for statement in prepared)
    for odd in (str(theirs.pk), "٣", "²", str(2**70), "-1", "0"):
        assert client.get(f"{URL}{odd}/").status_code == 404, odd
    # A query string takes the ORM's query and its filters: the row is there, the filter is not met
    assert client.get(f"{URL}{mine.pk}/?production=BRAVO").status_code == 404
    assert client.get(f"{URL}{mine.pk}/?production=ALPHA").status_code == 200
