"""Legal decides a clearance request on its admin page, after seeing what the gate would answer."""

import pytest
from django.urls import reverse

from licensing.choices import ClearanceStatus
from licensing.models import ClearanceRequest, Grant, LicensedAsset
from licensing.services import clearance_request_preview
from studio.models import AuditEvent
from tests.licensing.world import appears, permission, prohibition


def decide_url(clearance):
    return reverse("admin:licensing_clearancerequest_decide", args=[clearance.pk])


def test_approving_with_a_grant_goes_through_the_service_and_is_audited(
    legal_client, legal, world, pending
):
    license = world.license("L-STOCK", prohibition(action="distribute"))

    response = legal_client.post(
        decide_url(pending),
        {"license": license.pk, "notes": "Fine for the trailer", "_approve": "1"},
    )

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (ClearanceStatus.APPROVED, legal.username)
    assert pending.created_grant.license == license
    event = AuditEvent.objects.get(action="licensing.clearance.approved")
    assert (event.actor_id, event.target_id) == (legal.pk, str(pending.pk))


def test_rejecting_needs_notes_and_is_audited(legal_client, pending):
    empty = legal_client.post(decide_url(pending), {"notes": "", "_reject": "1"})
    assert empty.status_code == 200
    assert b"Say why the request is rejected" in empty.content

    done = legal_client.post(decide_url(pending), {"notes": "No budget", "_reject": "1"})

    assert done.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decision_notes) == (ClearanceStatus.REJECTED, "No budget")
    assert AuditEvent.objects.filter(action="licensing.clearance.rejected").count() == 1


def test_the_page_shows_the_gate_after_approval_without_saving_the_grant(
    legal_client, world, pending
):
    license = world.license("L-LISTED", coverage="listed")

    page = legal_client.get(decide_url(pending), {"license": license.pk})

    assert page.status_code == 200
    preview = page.context["preview"]
    assert not preview.now.allowed
    assert preview.after.allowed
    assert not preview.warnings
    assert b"After approval with a grant on L-LISTED" in page.content
    assert not Grant.objects.filter(license=license).exists()
    assert not LicensedAsset.objects.filter(license=license).exists()
    assert ClearanceRequest.objects.get(pk=pending.pk).status == ClearanceStatus.PENDING


def test_a_prohibition_or_a_missing_consent_that_still_blocks_is_warned(
    legal_client, world, pending
):
    license = world.license("L-NO-AI", prohibition())
    appears(world, "maya", "a1")

    page = legal_client.get(decide_url(pending), {"license": license.pk})

    preview = page.context["preview"]
    assert not preview.after.allowed
    text = " ".join(preview.warnings)
    assert "A prohibition would still block the use" in text
    assert "A missing consent would still block the use" in text
    assert b'name="_approve"' in page.content


def test_a_grant_that_changes_nothing_is_warned_and_approval_is_still_allowed(
    legal_client, legal, world, pending
):
    world.license("L-ALREADY", permission())
    appears(world, "maya", "a1")
    world.consent("ok", "maya")
    spare = world.license("L-SPARE", coverage="listed")

    preview = clearance_request_preview(actor=legal, request=pending, grant_on=spare)
    assert preview.now.allowed
    assert preview.after.allowed
    assert preview.warnings == ["A grant on L-SPARE would not change the gate's answer."]

    response = legal_client.post(
        decide_url(pending), {"license": spare.pk, "notes": "", "_approve": "1"}
    )
    assert response.status_code == 302
    assert ClearanceRequest.objects.get(pk=pending.pk).status == ClearanceStatus.APPROVED


def test_coordinators_see_no_decide_button_and_get_a_page_that_says_why(
    coordinator_client, pending
):
    change = coordinator_client.get(
        reverse("admin:licensing_clearancerequest_change", args=[pending.pk])
    )
    assert change.status_code == 200
    assert b"decide-link" not in change.content

    page = coordinator_client.get(decide_url(pending))
    assert page.status_code == 403
    assert b"legal staff decide clearance requests" in page.content
    assert b"<html" in page.content


@pytest.mark.parametrize("button", ["_approve", "_reject"])
def test_a_crafted_post_from_a_coordinator_changes_nothing(coordinator_client, pending, button):
    forged = {"notes": "x", button: "1", "status": "approved", "decided_by": "cora"}

    decide = coordinator_client.post(decide_url(pending), forged)
    change = coordinator_client.post(
        reverse("admin:licensing_clearancerequest_change", args=[pending.pk]), forged
    )

    assert (decide.status_code, change.status_code) == (403, 403)
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (ClearanceStatus.PENDING, "")
    assert not AuditEvent.objects.filter(action__startswith="licensing.clearance.a").exists()


def test_legal_staff_see_the_decide_button_on_a_pending_request(legal_client, pending):
    change = legal_client.get(reverse("admin:licensing_clearancerequest_change", args=[pending.pk]))

    assert b"decide-link" in change.content
