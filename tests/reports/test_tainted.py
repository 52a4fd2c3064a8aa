"""Tainted: tainted and withdrawn assets and adapters with their active causes, or the reason."""

import pytest

from legal.reports import TAINTED_COLUMNS, report_tainted
from tests.reports.world import TAINT_SINCE

pytestmark = pytest.mark.urls("tests.reports.urls")


def test_one_row_per_active_cause_or_the_withdrawal_reason(tainted, legal):
    report = report_tainted(user=legal)

    assert report.title == "Tainted and withdrawn"
    assert report.columns == TAINTED_COLUMNS
    assert [(r["label"], r["status"], r["cause"]) for r in report.rows] == [
        ("alpha-lora", "withdrawn", ""),
        ("out2", "tainted", "license LIC-HOLDER"),
        ("out2", "tainted", "consent of maya"),
    ]
    withdrawn, by_license, by_consent = report.rows
    assert (withdrawn["node_type"], withdrawn["reason"], withdrawn["path"]) == (
        "adapter",
        "pulled by legal",
        "",
    )
    assert by_license == {
        "node_type": "asset",
        "id": tainted.assets["out2"].pk,
        "label": "out2",
        "production": "ALPHA",
        "status": "tainted",
        "cause": "license LIC-HOLDER",
        "reason": "ended",
        "since": TAINT_SINCE.isoformat(),
        "path": "stock → out2",
    }
    assert by_consent["path"] == "a1 → alpha-lora → out2"


def test_a_tainted_node_without_records_shows_its_status_reason(tainted, legal):
    out1 = tainted.assets["out1"]
    out1.status, out1.status_reason = "tainted", "tainted by hand"
    out1.save(update_fields=["status", "status_reason"])

    rows = [r for r in report_tainted(user=legal).rows if r["label"] == "out1"]

    assert [(r["reason"], r["cause"], r["since"]) for r in rows] == [("tainted by hand", "", "")]


def test_legal_of_the_other_production_sees_only_theirs(tainted, legal_other):
    rows = report_tainted(user=legal_other).rows

    assert [(r["label"], r["production"], r["path"]) for r in rows] == [
        ("b1-out", "BRAVO", "b1 → b1-out")
    ]


def test_a_coordinator_sees_no_taint(tainted, coordinator):
    assert report_tainted(user=coordinator).rows == []


def test_nothing_tainted(world, legal):
    assert report_tainted(user=legal).rows == []
