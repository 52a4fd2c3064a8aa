"""Every door that stores a license's grants (the API, the admin's inline grants, the ODRL import)
goes through one service, and the service holds the values to the same rules: lists of strings of
bounded length, no NUL or control characters, texts the columns can hold. A value that breaks one
is refused naming where it stands, and nothing of the license is kept."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from licensing.models import Grant, License
from licensing.services import license_create
from studio.models import AuditEvent
from tests.licensing.helpers import PROBLEM, grant_payload, license_payload

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
GOOD = {"action": "ai_edit", "territory_include": ["FR"], "media": ["svod"], "languages": ["fr"]}


def _create(world, legal, *grants):
    return license_create(
        actor=legal,
        production=world.production,
        licensor=world.stock_co,
        licensee=world.studio,
        grants=list(grants),
        reference="LIC-9",
        title="Stock",
        status="active",
        starts_at=T0,
        coverage="production",
    )


def _counts():
    return License.objects.count(), Grant.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("grant", "field"),
    [
        ({"media": [{"svod": True}]}, "grants.1.media.0"),
        ({"media": "svod"}, "grants.1.media"),
        ({"media": ["svod"] * 50}, "grants.1.media"),
        ({"territory_include": ["FR"] * 301}, "grants.1.territory_include"),
        ({"territory_exclude": ["F\x00R"]}, "grants.1.territory_exclude.0"),
        ({"territory_include": [["FR"]]}, "grants.1.territory_include.0"),
        ({"languages": ["e\nn"]}, "grants.1.languages.0"),
        ({"languages": ["x" * 10_000]}, "grants.1.languages.0"),
        ({"section": "§" * 33}, "grants.1.section"),
        ({"section": ["§2"]}, "grants.1.section"),
        ({"attribution": "Courtesy\x07 of"}, "grants.1.attribution"),
        ({"attribution": "a" * 501}, "grants.1.attribution"),
        ({"notice": "Tell them\x00"}, "grants.1.notice"),
        ({"notice": "\ud800"}, "grants.1.notice"),
    ],
)
def test_a_grant_value_the_rules_refuse_leaves_no_license(world, legal, grant, field):
    before = _counts()

    with pytest.raises(ValidationError) as refused:
        _create(world, legal, GOOD, GOOD | grant)

    assert field in refused.value.message_dict
    assert _counts() == before


def test_a_notice_keeps_its_paragraphs(world, legal):
    license = _create(world, legal, GOOD | {"notice": "Credit StockCo.\n\n\tOn every copy.\r\n"})

    assert license.grants.get().notice.startswith("Credit StockCo.\n\n\t")


@pytest.mark.parametrize(
    ("grant", "field"),
    [
        ({"territory_include": ["FR"] * 301}, "grants.0.territory_include"),
        ({"media": ["svod", "s\x07vod"]}, "grants.0.media.1"),
        ({"attribution": "Courtesy\nof"}, "grants.0.attribution"),
    ],
)
def test_the_api_refuses_the_same_values_naming_the_same_place(
    world, legal, client_as, grant, field
):
    before = _counts()
    payload = license_payload(world, grants=[grant_payload(**grant)])

    response = client_as(legal).post("/api/v1/licenses/", payload, format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert field in {error["field"] for error in response.json()["errors"]}
    assert _counts() == before
