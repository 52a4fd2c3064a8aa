"""Usage by license: covered footage, the allowed decisions that relied on each license (how many,
the last), and what was made under it (world: tests/reports/world.py)."""

import pytest
from django.core.exceptions import ValidationError

from legal.reports import USAGE_COLUMNS, report_usage_by_license
from tests.reports.helpers import column
from tests.reports.world import day

pytestmark = pytest.mark.urls("tests.reports.urls")


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds")


def test_every_license_of_the_production_with_its_use(world, legal):
    report = report_usage_by_license(user=legal)
    rows = {row["license"]: row for row in report.rows}

    assert report.title == "Usage by license"
    assert report.columns == USAGE_COLUMNS
    assert column(report, "license") == ["LIC-DRAFT", "LIC-HOLDER", "LIC-LISTED", "LIC-PROD"]
    assert {k: rows["LIC-LISTED"][k] for k in USAGE_COLUMNS if k != "ends_at"} == {
        "license": "LIC-LISTED",
        "title": "LIC-LISTED title",
        "production": "ALPHA",
        "licensor": "StockCo",
        "status": "active",
        "coverage": "listed",
        "covered_count": 1,
        "covered_assets": "a1",
        "decisions": 2,  # E1 at submit and at start
        "last_used": _when(day(1, hour=13)),
        "output_count": 1,
        "outputs": "out1",
    }
    assert (rows["LIC-DRAFT"]["decisions"], rows["LIC-DRAFT"]["last_used"]) == (0, "")
    assert rows["LIC-DRAFT"]["covered_assets"] == "a2"


def test_rights_holder_and_production_coverage(world, legal):
    rows = {row["license"]: row for row in report_usage_by_license(user=legal).rows}

    assert rows["LIC-HOLDER"]["covered_assets"] == "stock"  # only StockCo's footage
    assert (rows["LIC-HOLDER"]["decisions"], rows["LIC-HOLDER"]["outputs"]) == (2, "out2")
    assert rows["LIC-PROD"]["covered_assets"] == "a1; a2; out1; out2; stock"
    assert rows["LIC-PROD"]["covered_count"] == 5
    # one decision per gate evaluation, however many of its grants came from the license
    assert rows["LIC-PROD"]["decisions"] == 2
    assert rows["LIC-PROD"]["last_used"] == _when(day(10, hour=13))
    assert rows["LIC-PROD"]["outputs"] == "adapter alpha-lora"


def test_one_license(world, legal):
    report = report_usage_by_license(user=legal, license=str(world.licenses["LIC-HOLDER"].pk))

    assert report.title == "Usage of license LIC-HOLDER"
    assert column(report, "license") == ["LIC-HOLDER"]


def test_denied_decisions_are_not_use(world, legal):
    from tests.reports.world import blocking_reason, edit, grant_reason

    lic, a1 = world.licenses["LIC-LISTED"], world.assets["a1"]
    edit(world, "E9", [a1], reasons=[grant_reason(lic, a1), blocking_reason(a1, "no consent")])

    row = report_usage_by_license(user=legal, license=lic.pk).rows[0]

    assert (row["decisions"], row["outputs"]) == (2, "out1")


def test_other_productions_licenses_are_out_of_sight(world, legal, legal_other, superuser):
    bravo = report_usage_by_license(user=legal_other)

    assert column(bravo, "license") == ["LIC-B"]
    assert (bravo.rows[0]["covered_assets"], bravo.rows[0]["outputs"]) == ("b1; b1-out", "b1-out")
    assert len(report_usage_by_license(user=superuser).rows) == 5
    with pytest.raises(ValidationError) as caught:
        report_usage_by_license(user=legal, license=world.licenses["LIC-B"].pk)
    assert caught.value.message_dict == {"license": ["No such license."]}


def test_a_coordinator_sees_no_usage(world, coordinator):
    assert report_usage_by_license(user=coordinator).rows == []


@pytest.mark.parametrize("params", [{"license": "x"}, {"license": "0"}, {"licence": "1"}])
def test_malformed_parameters(world, legal, params):
    with pytest.raises(ValidationError) as caught:
        report_usage_by_license(user=legal, **params)

    assert set(caught.value.message_dict) == set(params)
