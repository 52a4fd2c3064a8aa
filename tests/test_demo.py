"""The README's demo scenario, without serving, so it cannot rot."""

import io

from django.core.management import call_command

from assets.models import Appearance, Asset
from editing.models import Adapter, EditJob
from studio.audit import audit_verify
from studio.models import ApiToken, AuditEvent, Production


def test_the_demo_scenario_runs_twice_and_leaves_an_intact_audit_trail(db):
    first, second = io.StringIO(), io.StringIO()

    call_command("demo", stdout=first)
    call_command("demo", stdout=second)

    production = Production.objects.get(code="NIGHTFALL")
    assert production.memberships.count() == 3
    assert ApiToken.objects.usable().filter(user__username="mam-bridge").count() == 1
    assert (
        AuditEvent.objects.filter(production=production, action="studio.membership.set").count()
        == 3
    )
    assert audit_verify().ok
    assert "Admin user admin / " in first.getvalue()
    assert "intact" in second.getvalue()
    # 4 dailies, 1 stamped output ingested back, 3 edit outputs: the second run adds none
    assert Asset.objects.filter(production=production).count() == 8
    assert Appearance.objects.filter(asset__production=production).count() == 5
    decisions = second.getvalue()
    assert "ai_edit permitted by license NF-DAILIES-01 §2" in decisions
    assert "does not cover territory FR" in decisions
    assert "ai_edit is prohibited by license SKY-2026-114 §4" in decisions
    assert "Consent of Ava Lindqvist for digital_alteration revoked on" in decisions
    assert "shot14B_take1_regrained.mp4: TRUSTED" in decisions
    assert "INVALID ['assertion.dataHash.mismatch']" in decisions
    assert "TRUSTED, 2 manifests, chain of 2 generations" in decisions
    jobs = EditJob.objects.filter(production=production).order_by("pk")
    assert [j.status for j in jobs] == ["succeeded", "succeeded", "succeeded", "denied"]
    assert Adapter.objects.filter(production=production).count() == 1
    assert "Edit #4 denied: Consent of Ava Lindqvist for digital_alteration revoked on" in decisions
