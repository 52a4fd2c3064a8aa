"""Legal withdraws tainted outputs (others only with an override reason); downloads stop; the gate
refuses tainted footage and adapters, naming the cause; a tainted adapter can be retrained without."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assets.services import asset_withdraw
from licensing.gate import UseRequest, evaluate
from licensing.models import Grant
from licensing.services.taint import taint_propagate, taint_run_execute
from studio.actors import SystemActor
from studio.models import AuditEvent


def _taint_by_license(footage):
    run = taint_propagate(
        actor=SystemActor("t"),
        cause_type="license",
        cause_id=footage.license.pk,
        reason="license L-RAW1 terminated",
    )
    taint_run_execute(run_id=run.pk)
    for asset in footage.assets.values():
        asset.refresh_from_db()


def test_the_gate_names_the_cause_of_the_taint(footage, production):
    _taint_by_license(footage)

    decision = evaluate(
        UseRequest(
            action="ai_edit",
            production_id=production.pk,
            asset_ids=(footage.assets["out2"].pk,),
            territory="US",
            media="svod",
            at=dt.datetime.now(dt.UTC),
        )
    )

    assert not decision.allowed
    assert any(
        "is tainted: tainted by license L-RAW1: license L-RAW1 terminated" in r.message
        for r in decision.blocking
    )
    tainted = [r for r in decision.blocking if r.code == "tainted"]
    assert tainted
    assert all(r.taint_cause == {"type": "license", "id": footage.license.pk} for r in tainted)


def test_the_gate_refuses_a_tainted_adapter(footage, production):
    Grant.objects.create(license=footage.license, action="ai_inference")
    _taint_by_license(footage)

    decision = evaluate(
        UseRequest(
            action="ai_edit",
            production_id=production.pk,
            asset_ids=(),
            territory="US",
            media="svod",
            at=dt.datetime.now(dt.UTC),
            adapter_ids=(footage.adapters["house"].pk,),
        )
    )

    assert any(r.code == "adapter_tainted" and "house" in r.message for r in decision.blocking)


def test_legal_withdraws_tainted_outputs_in_one_batch(footage, production, member):
    legal = member("legal", production)
    _taint_by_license(footage)
    outputs = [footage.assets[n] for n in ("out1", "out2", "out3")]

    withdrawn = asset_withdraw(actor=legal, assets=outputs, reason="pulled from the cut")

    assert [a.status for a in withdrawn] == ["withdrawn"] * 3
    assert (
        AuditEvent.objects.filter(action="assets.asset.withdrawn", actor_id=legal.pk).count() == 3
    )


def test_withdrawing_an_untainted_asset_needs_an_override_reason(footage, production, member):
    legal = member("legal", production)
    clean = footage.assets["raw2"]

    with pytest.raises(ValidationError, match="override reason"):
        asset_withdraw(actor=legal, assets=[clean], reason="doubts")
    clean.refresh_from_db()
    assert clean.status == "active"

    asset_withdraw(
        actor=legal, assets=[clean], reason="doubts", override_reason="counsel's instruction"
    )
    clean.refresh_from_db()
    assert clean.status == "withdrawn"


def test_a_coordinator_cannot_withdraw(footage, production, member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        asset_withdraw(
            actor=member("coordinator", production),
            assets=[footage.assets["out1"]],
            reason="x",
            override_reason="y",
        )


def test_downloads_of_a_withdrawn_asset_are_refused_with_the_reason(
    api, footage, production, member
):
    legal = member("legal", production)
    asset = footage.assets["out1"]
    asset_withdraw(
        actor=legal, assets=[asset], reason="consent withdrawn", override_reason="legal hold"
    )
    api.force_login(legal)

    response = api.get(f"/api/v1/assets/{asset.pk}/original/")

    assert response.status_code == 451
    assert "consent withdrawn" in response.json()["detail"]
    assert api.get(f"/api/v1/assets/{asset.pk}/").json()["status"] == "withdrawn"


def test_the_withdraw_endpoint_refuses_untainted_assets_without_override(
    api, footage, production, member
):
    api.force_login(member("legal", production))

    response = api.post(
        "/api/v1/assets/withdraw/",
        {"assets": [footage.assets["raw3"].pk], "reason": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "override_reason"


def test_a_tainted_adapter_is_retrained_without_the_affected_footage(footage, production, member):
    from editing.models import TrainingRun
    from editing.services.training import training_retrain_without

    coordinator = member("coordinator", production)
    adapter = footage.adapters["house"]
    run = TrainingRun.objects.create(
        production=production,
        requested_by="t",
        model_version=adapter.model_version,
        seed=3,
        territory="US",
        media="internal",
        name="house",
        parameters={
            "steps": 5,
            "rank": 4,
            "learning_rate": 1e-4,
            "resolution": 64,
            "batch_size": 2,
            "frames_per_clip": 2,
        },
        status="succeeded",
    )
    run.assets.set([footage.assets["raw1"], footage.assets["raw2"]])
    adapter.training_run = run
    adapter.save()
    taint_run_execute(
        run_id=taint_propagate(
            actor=SystemActor("t"),
            cause_type="consent",
            cause_id=footage.consents["likeness_training"].pk,
            reason="revoked",
        ).pk
    )
    Grant.objects.create(license=footage.license, action="ai_train")

    new = training_retrain_without(actor=coordinator, adapter=adapter)

    assert list(new.assets.values_list("pk", flat=True)) == [footage.assets["raw2"].pk]
    assert new.replaces_id == adapter.pk
    assert new.parameters == run.parameters
