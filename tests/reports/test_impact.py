"""Impact: everything containing a person, footage, an adapter or a license's footage, with the
licenses and consents relied on for what made each node (world: tests/reports/world.py)."""

import pytest
from django.core.exceptions import ValidationError

from legal.reports import IMPACT_COLUMNS, report_impact
from tests.reports.helpers import column

pytestmark = pytest.mark.urls("tests.reports.urls")


def _by_label(report) -> dict[str, dict]:
    return {row["label"]: row for row in report.rows}


def test_a_person_reaches_their_footage_its_outputs_adapters_and_adapter_outputs(world, legal):
    report = report_impact(user=legal, person=world.people["maya"].pk)

    assert report.title == "Impact of maya"
    assert report.columns == IMPACT_COLUMNS
    assert column(report, "label") == ["a1", "alpha-lora", "out1", "out2"]
    assert column(report, "depth") == [0, 1, 1, 2]
    rows = _by_label(report)
    assert rows["a1"] == {
        "node_type": "asset",
        "id": world.assets["a1"].pk,
        "label": "a1",
        "production": "ALPHA",
        "status": "active",
        "depth": 0,
        "produced_by": "",
        "licenses": "",
        "consents": "",
    }
    assert rows["alpha-lora"]["node_type"] == "adapter"
    assert rows["alpha-lora"]["id"] == world.adapters["alpha-lora"].pk
    assert rows["alpha-lora"]["produced_by"] == f"training_run #{world.runs['T1'].pk}"
    assert rows["alpha-lora"]["licenses"] == "LIC-PROD"
    assert rows["alpha-lora"]["consents"] == "maya (likeness_training)"
    assert rows["out1"]["produced_by"] == f"edit_job #{world.jobs['E1'].pk}"
    assert (rows["out1"]["licenses"], rows["out1"]["consents"]) == (
        "LIC-LISTED",
        "maya (digital_alteration)",
    )
    assert (rows["out2"]["licenses"], rows["out2"]["consents"]) == ("LIC-HOLDER", "")


def test_legal_of_the_other_production_sees_only_their_own_footage_of_the_person(
    world, legal_other
):
    report = report_impact(user=legal_other, person=world.people["maya"].pk)

    assert [(r["label"], r["production"]) for r in report.rows] == [
        ("b1", "BRAVO"),
        ("b1-out", "BRAVO"),
    ]
    assert report.rows[1]["licenses"] == "LIC-B"


def test_a_superuser_sees_the_person_in_every_production(world, superuser):
    report = report_impact(user=superuser, person=world.people["maya"].pk)

    assert sorted(column(report, "label")) == ["a1", "alpha-lora", "b1", "b1-out", "out1", "out2"]


def test_a_person_in_training_footage_reaches_the_adapter_and_what_it_made(world, legal):
    report = report_impact(user=legal, person=str(world.people["leo"].pk))

    assert column(report, "label") == ["a2", "alpha-lora", "out2"]


def test_footage_reaches_its_descendants_but_not_itself(world, legal):
    report = report_impact(user=legal, asset=world.assets["a1"].pk)

    assert report.title == "Impact of a1"
    assert column(report, "label") == ["alpha-lora", "out1", "out2"]


def test_an_adapter_reaches_its_outputs(world, legal):
    report = report_impact(user=legal, adapter=world.adapters["alpha-lora"].pk)

    assert column(report, "label") == ["out2"]
    assert report.rows[0]["produced_by"] == f"edit_job #{world.jobs['E2'].pk}"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("LIC-LISTED", ["a1", "alpha-lora", "out1", "out2"]),
        ("LIC-HOLDER", ["stock", "out2"]),
        # production coverage: every ALPHA asset is covered (depth 0), the adapter is made from them
        ("LIC-PROD", ["a1", "a2", "stock", "out1", "out2", "alpha-lora"]),
    ],
)
def test_a_license_reaches_the_footage_it_covers_and_its_descendants(world, legal, ref, expected):
    report = report_impact(user=legal, license=world.licenses[ref].pk)

    assert report.title == f"Impact of license {ref}"
    assert column(report, "label") == expected


def test_the_status_column_shows_taint(world, legal):
    world.assets["out2"].status = "tainted"
    world.assets["out2"].save(update_fields=["status"])

    report = report_impact(user=legal, asset=world.assets["stock"].pk)

    assert [(r["label"], r["status"]) for r in report.rows] == [("out2", "tainted")]


def test_a_registered_adapter_falls_back_on_the_training_ledger(world, legal):
    run = world.runs["T1"]
    lic = world.licenses["LIC-LISTED"]
    run.ledger = {"grants": [{"license": lic.reference, "license_id": lic.pk}], "consents": []}
    run.start_evaluation = run.submit_evaluation = None
    run.save(update_fields=["ledger", "start_evaluation", "submit_evaluation"])

    report = report_impact(user=legal, adapter=world.adapters["alpha-lora"].pk)
    lora = report_impact(user=legal, asset=world.assets["a2"].pk).rows[0]

    assert report.rows[0]["licenses"] == "LIC-HOLDER"  # out2: its own edit's decision
    assert (lora["label"], lora["licenses"], lora["consents"]) == ("alpha-lora", "LIC-LISTED", "")


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({}, {"person", "asset", "adapter", "license"}),
        ({"person": "", "asset": ""}, {"person", "asset", "adapter", "license"}),
        ({"person": "1", "asset": "2"}, {"person", "asset"}),
        ({"person": "abc"}, {"person"}),
        ({"asset": "-3"}, {"asset"}),
        ({"adapter": "1.5"}, {"adapter"}),
        ({"license": "99999999999999999999"}, {"license"}),
        ({"person": "1", "colour": "red"}, {"colour"}),
    ],
)
def test_malformed_parameters_name_the_parameter(world, legal, params, named):
    assert set(_errors(lambda: report_impact(user=legal, **params))) == named


@pytest.mark.parametrize("subject", ["person", "asset", "adapter", "license"])
def test_an_unknown_id_is_not_found(world, legal, subject):
    errors = _errors(lambda: report_impact(user=legal, **{subject: 987654}))

    assert errors == {subject: [f"No such {subject}."]}


@pytest.mark.parametrize(
    ("subject", "foreign"),
    [
        ("person", lambda w: w.person("bea", w.other).pk),
        ("asset", lambda w: w.assets["b1"].pk),
        ("license", lambda w: w.licenses["LIC-B"].pk),
    ],
)
def test_another_productions_subject_is_the_same_error_as_a_missing_one(
    world, legal, subject, foreign
):
    errors = _errors(lambda: report_impact(user=legal, **{subject: foreign(world)}))

    assert errors == {subject: [f"No such {subject}."]}


def test_another_productions_adapter_is_not_found(world, legal_other):
    errors = _errors(
        lambda: report_impact(user=legal_other, adapter=world.adapters["alpha-lora"].pk)
    )

    assert errors == {"adapter": ["No such adapter."]}


def test_a_coordinator_reaches_nothing(world, coordinator):
    errors = _errors(lambda: report_impact(user=coordinator, asset=world.assets["a1"].pk))

    assert errors == {"asset": ["No such asset."]}
