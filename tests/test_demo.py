"""The README's demo scenario (``manage.py demo``, the demo app), without serving, so it cannot rot."""

import io
import re

import pytest
from django.core.management import call_command

from assets.models import Appearance, Asset
from editing.models import Adapter, EditJob
from studio.audit import audit_verify
from studio.models import ApiToken, AuditEvent, Production


@pytest.mark.django_db(
    transaction=True
)  # commits for real, so after-commit events (webhooks) happen
def test_the_demo_scenario_runs_twice_and_leaves_an_intact_audit_trail(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the demo's MAM listens on loopback
    first, second = io.StringIO(), io.StringIO()

    call_command("demo", stdout=first)
    call_command("demo", stdout=second)

    production = Production.objects.get(code="NIGHTFALL")
    shown, again = first.getvalue(), second.getvalue()
    assert production.memberships.count() == 3
    assert ApiToken.objects.usable().filter(user__username="mam-bridge").count() == 1
    assert (
        AuditEvent.objects.filter(production=production, action="studio.membership.set").count()
        == 3
    )
    assert audit_verify().ok
    assert "Admin user admin / " in shown
    assert "intact" in again
    # The MAM's bulk check: every shot for the US and France, in one call of a few queries
    assert re.search(r"One bulk check of the cut: 10 uses, [45] queries", shown)
    assert re.search(r"stock_skyline\.png\s*│ denied: prohibited", shown)
    # 5 dailies, 1 stamped output ingested back, 3 edit outputs: the second run adds none
    assert Asset.objects.filter(production=production).count() == 9
    assert Appearance.objects.filter(asset__production=production).count() == 5
    for text in (
        "ai_edit permitted by license NF-DAILIES-01 §2",
        "does not cover territory FR",
        "ai_edit is prohibited by license SKY-2026-114 §4",
        "Consent of Ava Lindqvist for digital_alteration revoked at",
        "shot14B_take1_regrained.mp4: TRUSTED",
        "INVALID ['assertion.dataHash.mismatch']",
        "TRUSTED, 2 manifests, chain of 2 generations",
        "Tainted by consent of Maya Reyes for likeness_training",
        "the MAM received 2 signed events: asset.tainted, consent.revoked",
        "without the withdrawn likeness",
        "Impact report",
        "/healthz 200 ok",
        "Outbox broker down: studio.ping recorded as message",
        "killed render folder gone: True",
        "MAM polls again with If-None-Match: 304, 1 statement",
    ):
        assert text in shown, text
    assert re.search(
        r"MAM polls after the revocation: 200, \d+ assets, [1-9]\d* withdrawn, new ETag True", shown
    )
    assert re.search(r"broker back: dispatcher sent \d+; message #\d+ is sent", shown)
    assert re.search(
        r"Edit #\d+ denied: Consent of Ava Lindqvist for digital_alteration revoked at", shown
    )
    jobs = EditJob.objects.filter(production=production).order_by("pk")
    assert [j.status for j in jobs] == ["succeeded", "succeeded", "succeeded", "denied"]
    assert (
        Adapter.objects.filter(production=production).count() == 2
    )  # the original and its retrained one
    assert jobs.get(operation="restyle").output.status == "withdrawn"
