"""Expiring: active licenses and standing consents ending within N days, with what they cover."""

import pytest
from django.core.exceptions import ValidationError

from legal.reports import EXPIRING_COLUMNS, report_expiring
from tests.reports.helpers import column

pytestmark = pytest.mark.urls("tests.reports.urls")


def test_within_30_days_by_default(world, legal):
    report = report_expiring(user=legal)

    assert report.title == "Expiring within 30 days"
    assert report.columns == EXPIRING_COLUMNS
    # not LIC-DRAFT (draft), maya-gone (revoked), LIC-B (BRAVO), LIC-PROD (100 days)
    assert [(r["kind"], r["id"]) for r in report.rows] == [
        ("license", world.licenses["LIC-LISTED"].pk),
        ("consent", world.consents["maya-alt"].pk),
    ]
    license, consent = report.rows
    assert license["name"] == "LIC-LISTED — LIC-LISTED title"
    assert (license["production"], license["party"], license["days_left"]) == (
        "ALPHA",
        "StockCo",
        10,
    )
    assert license["covers"] == "Listed assets: a1"
    assert license["ends_at"] == world.licenses["LIC-LISTED"].ends_at.isoformat(timespec="seconds")
    assert (consent["name"], consent["party"], consent["days_left"]) == (
        "maya — digital_alteration",
        "maya",
        20,
    )
    # maya also appears in b1, but this consent is for ALPHA only
    assert consent["covers"] == "Digital alteration of the performance: a1"
    assert consent["production"] == "ALPHA"


def test_a_longer_window(world, legal):
    report = report_expiring(user=legal, days="365")

    assert column(report, "days_left") == [10, 20, 100]
    assert report.rows[2]["covers"] == "Every asset of the production: a1; a2; out1; out2; stock"


def test_the_window_edge(world, legal):
    assert column(report_expiring(user=legal, days=10), "days_left") == [10]
    assert report_expiring(user=legal, days=9).rows == []


def test_legal_of_the_other_production(world, legal_other):
    report = report_expiring(user=legal_other)

    assert [(r["name"], r["production"], r["days_left"]) for r in report.rows] == [
        ("LIC-B — LIC-B title", "BRAVO", 5)
    ]
    assert report.rows[0]["covers"] == "Every asset of the production: b1; b1-out"


def test_a_consent_for_both_productions_shows_only_the_readers_part(world, legal_other):
    consent = world.consents["maya-alt"]
    consent.productions.add(world.other)

    row = report_expiring(user=legal_other).rows[1]

    assert (row["kind"], row["production"]) == ("consent", "BRAVO")
    assert row["covers"] == "Digital alteration of the performance: b1"


def test_a_coordinator_sees_nothing_expiring(world, coordinator):
    assert report_expiring(user=coordinator).rows == []


@pytest.mark.parametrize("days", ["0", "abc", "3651", "-1", "1.5", 0])
def test_days_out_of_range_or_malformed(world, legal, days):
    with pytest.raises(ValidationError) as caught:
        report_expiring(user=legal, days=days)

    assert list(caught.value.message_dict) == ["days"]


def test_the_longest_window_is_allowed(world, legal):
    assert len(report_expiring(user=legal, days="3650").rows) == 3
