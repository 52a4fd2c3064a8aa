"""Taint follows the lineage from what a cause touched, is recorded per cause, and lifts per cause."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from licensing.models import License, LicensedAsset, TaintRecord, TaintRun
from licensing.services import consent_revoke, license_set_status
from licensing.services.taint import affected_nodes, taint_lift, taint_propagate, taint_run_execute
from studio.actors import SystemActor
from studio.models import AuditEvent

ACTOR = SystemActor("test")


def _run(cause_type, cause_id, reason="test"):
    run = taint_propagate(actor=ACTOR, cause_type=cause_type, cause_id=cause_id, reason=reason)
    return taint_run_execute(run_id=run.pk)


def _statuses(footage):
    for item in [*footage.assets.values(), *footage.adapters.values()]:
        item.refresh_from_db()
    return {name: a.status for name, a in footage.assets.items()} | {
        "adapter": footage.adapters["house"].status
    }


def test_a_terminated_license_taints_its_footage_and_three_generations(footage):
    run = _run("license", footage.license.pk, "license L-RAW1 terminated")

    statuses = _statuses(footage)
    assert run.status == "done"
    assert (run.total, run.processed) == (
        6,
        6,
    )  # raw1, out1..out3, the adapter, and styled through it
    assert [statuses[n] for n in ("raw1", "out1", "out2", "out3", "styled")] == ["tainted"] * 5
    assert statuses["adapter"] == "tainted"
    assert [statuses[n] for n in ("raw2", "raw3")] == ["active", "active"]
    record = TaintRecord.objects.get(node_type="asset", node_id=footage.assets["out3"].pk)
    assert record.depth == 3
    assert record.path == [
        ["asset", footage.assets[n].pk] for n in ("raw1", "out1", "out2", "out3")
    ]
    assert "license L-RAW1" in footage.assets["out3"].status_reason


def test_a_revoked_likeness_training_consent_reaches_adapters_not_edits(
    footage, member, production
):
    legal = member("legal", production)

    consent_revoke(actor=legal, consent=footage.consents["likeness_training"], reason="withdrawn")
    _run("consent", footage.consents["likeness_training"].pk)

    statuses = _statuses(footage)
    assert statuses["adapter"] == "tainted"
    assert statuses["styled"] == "tainted"
    assert [statuses[n] for n in ("raw1", "out1", "out2", "out3")] == ["active"] * 4
    path = TaintRecord.objects.get(node_type="asset", node_id=footage.assets["styled"].pk).path
    assert path == [
        ["asset", footage.assets["raw1"].pk],
        ["adapter", footage.adapters["house"].pk],
        ["asset", footage.assets["styled"].pk],
    ]


def test_a_revoked_alteration_consent_reaches_edits_not_adapters(footage):
    _run("consent", footage.consents["digital_alteration"].pk)

    statuses = _statuses(footage)
    assert [statuses[n] for n in ("out1", "out2", "out3")] == ["tainted"] * 3
    assert statuses["raw1"] == "active"  # the footage as shot stays usable
    assert statuses["adapter"] == "active"


def test_two_causes_and_lifting_one_keeps_the_other(footage):
    _run("license", footage.license.pk)
    _run("consent", footage.consents["digital_alteration"].pk)

    lifted = taint_lift(
        actor=ACTOR, cause_type="license", cause_id=footage.license.pk, reason="reinstated"
    )

    statuses = _statuses(footage)
    assert lifted == 6
    assert [statuses[n] for n in ("out1", "out2", "out3")] == [
        "tainted"
    ] * 3  # the consent still holds them
    assert statuses["raw1"] == "active"
    assert statuses["adapter"] == statuses["styled"] == "active"
    history = TaintRecord.objects.filter(cause_type="license", cause_id=footage.license.pk)
    assert history.count() == 6
    assert all(r.lifted_at is not None and r.lifted_reason == "reinstated" for r in history)


def test_a_reinstated_license_lifts_its_taint_in_the_same_change(
    footage, member, production, broker, django_capture_on_commit_callbacks
):
    legal = member("legal", production)

    with django_capture_on_commit_callbacks(execute=True):
        license_set_status(actor=legal, license=footage.license, status="suspended")
    run = TaintRun.objects.get()
    assert broker.by_task["licensing.propagate_taint"] == [run.pk]
    taint_run_execute(run_id=run.pk)
    assert _statuses(footage)["out3"] == "tainted"

    with django_capture_on_commit_callbacks(execute=True):
        license_set_status(actor=legal, license=footage.license, status="active")

    assert _statuses(footage)["out3"] == "active"
    assert AuditEvent.objects.filter(action="licensing.taint.lifted").count() == 1


def test_a_run_that_dies_mid_way_resumes_without_duplicates(footage, monkeypatch):
    from licensing.services import taint

    run = taint_propagate(
        actor=ACTOR, cause_type="license", cause_id=footage.license.pk, reason="x"
    )
    real_mark, calls = taint._mark, []

    def dying_mark(run_, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        real_mark(run_, batch)

    monkeypatch.setattr(taint, "_mark", dying_mark)
    with pytest.raises(RuntimeError):
        taint_run_execute(run_id=run.pk, batch_size=2)
    assert TaintRun.objects.get(pk=run.pk).processed == 2

    monkeypatch.setattr(taint, "_mark", real_mark)
    done = taint_run_execute(run_id=run.pk, batch_size=2)

    assert (done.status, done.processed) == ("done", 6)
    assert (
        TaintRecord.objects.filter(cause_id=footage.license.pk, lifted_at__isnull=True).count() == 6
    )


def _graph(footage, depth):
    """A chain of ``depth`` more outputs below out3."""
    previous = "out3"
    for level in range(depth):
        name = f"deep{level}"
        footage.asset(name, "ai_output")
        footage.edge(footage.a(name), footage.a(previous), activity_id=100 + level)
        previous = name


@pytest.mark.parametrize("extra", [0, 40])
def test_finding_what_is_affected_costs_the_same_queries_at_any_depth(footage, extra):
    _graph(footage, extra)

    with CaptureQueriesContext(connection) as queries:
        nodes = affected_nodes("license", footage.license.pk)

    assert len(nodes) == 6 + extra
    assert len(queries) == 2  # the license, then one statement: its footage and the recursive walk


def _second_license(footage, name):
    """A license over one more piece of footage (raw2: the adapter and styled are below it)."""
    second = License.objects.create(
        production=footage.production,
        reference=f"L-{name}",
        title=name,
        licensor=footage.license.licensor,
        licensee=footage.license.licensee,
        status="active",
        starts_at=footage.license.starts_at,
        coverage="listed",
    )
    LicensedAsset.objects.create(license=second, asset=footage.assets[name])
    return second


def _marking_queries(license, batch_size):
    run = taint_propagate(actor=ACTOR, cause_type="license", cause_id=license.pk, reason="x")
    with CaptureQueriesContext(connection) as queries:
        done = taint_run_execute(run_id=run.pk, batch_size=batch_size)
    return done.total, len(queries)


def test_marking_costs_the_same_queries_whatever_the_number_of_descendants(footage):
    _graph(footage, 40)
    small = _second_license(footage, "raw2")

    many, many_queries = _marking_queries(footage.license, batch_size=100)
    few, few_queries = _marking_queries(small, batch_size=100)

    assert (many, few) == (46, 3)
    assert many_queries == few_queries


def test_each_batch_costs_a_bounded_number_of_queries(footage):
    _graph(footage, 40)
    small = _second_license(footage, "raw2")

    total, in_batches_of_2 = _marking_queries(footage.license, batch_size=2)
    _, in_one_batch = _marking_queries(small, batch_size=100)

    per_batch = (in_batches_of_2 - in_one_batch) / (total // 2 - 1)
    assert per_batch <= 6  # savepoint, records, assets, adapters, progress, release
