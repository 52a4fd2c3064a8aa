"""The decision log: who asked, when, for what, the answer and why; filtered by answer, action and
dates (world: tests/reports/world.py)."""

import pytest
from django.core.exceptions import ValidationError

from legal.reports import DECISION_COLUMNS, report_decisions
from tests.reports.helpers import column
from tests.reports.world import day

pytestmark = pytest.mark.urls("tests.reports.urls")


def _subjects(report) -> list[str]:
    return column(report, "subject")


def test_every_decision_of_the_production_newest_first(world, legal):
    report = report_decisions(user=legal)
    e1, t1, e2, e3 = (world.jobs["E1"], world.runs["T1"], world.jobs["E2"], world.jobs["E3"])

    assert report.columns == DECISION_COLUMNS
    assert _subjects(report) == [
        f"editing.editjob #{e3.pk}",
        f"editing.editjob #{e2.pk}",
        f"editing.editjob #{e2.pk}",
        f"editing.trainingrun #{t1.pk}",
        f"editing.trainingrun #{t1.pk}",
        f"editing.editjob #{e1.pk}",
        f"editing.editjob #{e1.pk}",
    ]
    assert column(report, "evaluated_by")[:3] == ["lena-legal", "worker", "lena-legal"]
    assert column(report, "allowed") == [False, True, True, True, True, True, True]
    assert report.rows[-1] == {
        "id": e1.submit_evaluation_id,
        "when": day(1).isoformat(timespec="seconds"),
        "evaluated_by": "lena-legal",
        "production": "ALPHA",
        "action": "ai_edit",
        "subject": f"editing.editjob #{e1.pk}",
        "assets": "a1",
        "allowed": True,
        "blocking": "",
        "licenses": "LIC-LISTED",
        "consents": "maya (digital_alteration)",
    }


def test_denied_decisions_with_their_blocking_reasons(world, legal):
    report = report_decisions(user=legal, allowed="false")

    assert len(report.rows) == 1
    assert report.rows[0]["blocking"] == "a2: no grant covers ai_edit."
    assert (report.rows[0]["assets"], report.rows[0]["licenses"]) == ("a2", "")


def test_by_action(world, legal):
    report = report_decisions(user=legal, action="ai_train", allowed="true")

    assert len(report.rows) == 2
    assert {(r["assets"], r["licenses"], r["consents"]) for r in report.rows} == {
        ("a1; a2", "LIC-PROD", "maya (likeness_training)")
    }


@pytest.mark.parametrize(
    ("window", "count"),
    [
        ({"since": "2026-01-10"}, 5),  # T1 (11th), E2 (21st), E3 (31st)
        ({"until": "2026-01-11"}, 4),  # a date as until includes that day: E1 and T1
        ({"since": "2026-01-10", "until": "2026-01-21"}, 4),  # T1 and E2
        ({"since": "2026-01-21T12:30:00+00:00"}, 2),  # E2 at start, E3
        ({"until": "2026-01-02T12:00:00"}, 0),  # exclusive: E1 was asked at 12:00
        ({"since": "2026-02-01"}, 0),
    ],
)
def test_by_dates(world, legal, window, count):
    assert len(report_decisions(user=legal, **window).rows) == count


def test_other_productions_decisions_are_out_of_sight(world, legal_other, coordinator, superuser):
    assert column(report_decisions(user=legal_other), "production") == ["BRAVO", "BRAVO"]
    assert report_decisions(user=coordinator).rows == []
    assert len(report_decisions(user=superuser).rows) == 9


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"allowed": "maybe"}, "allowed"),
        ({"action": "fly"}, "action"),
        ({"since": "2026-13-01"}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-02-30"}, "until"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
        ({"who": "me"}, "who"),
    ],
)
def test_malformed_parameters(world, legal, params, named):
    with pytest.raises(ValidationError) as caught:
        report_decisions(user=legal, **params)

    assert list(caught.value.message_dict) == [named]
