"""Taint is part of the change that causes it: the revocation (or status change) and its taint run
exist together or not at all, and a broker that is down never turns a committed change into an error."""

import pytest
from rest_framework.test import APIClient

from licensing.models import License, Revocation, TaintRun
from licensing.services import consent_revoke, license_set_status
from licensing.services import taint as taint_service
from studio import queues
from studio.correlation import correlation_scope
from studio.models import AuditEvent


def _refuse_queueing(*args, **kwargs):
    raise RuntimeError("could not record the propagation")


def _broker_down(*args, **kwargs):
    raise ConnectionError("broker unreachable")


@pytest.fixture
def legal(member, production):
    return member("legal", production)


def test_a_revocation_whose_taint_cannot_be_queued_leaves_neither(footage, legal, monkeypatch):
    monkeypatch.setattr(taint_service, "enqueue", _refuse_queueing)
    consent = footage.consents["likeness_training"]

    with pytest.raises(RuntimeError, match="could not record the propagation"):
        consent_revoke(actor=legal, consent=consent, reason="withdrawn by letter")

    assert not Revocation.objects.filter(consent=consent).exists()
    assert not TaintRun.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="licensing.").exists()


def test_a_suspension_whose_taint_cannot_be_queued_leaves_the_license_as_it_was(
    footage, legal, monkeypatch
):
    monkeypatch.setattr(taint_service, "enqueue", _refuse_queueing)

    with pytest.raises(RuntimeError):
        license_set_status(actor=legal, license=footage.license, status="suspended")

    assert License.objects.get(pk=footage.license.pk).status == "active"
    assert not TaintRun.objects.exists()
    assert not AuditEvent.objects.filter(action="licensing.license.suspended").exists()


def test_a_revocation_and_its_taint_run_commit_together(
    footage, legal, broker, django_capture_on_commit_callbacks
):
    consent = footage.consents["likeness_training"]

    with correlation_scope("revocation-0001"), django_capture_on_commit_callbacks(execute=True):
        revocation = consent_revoke(actor=legal, consent=consent, reason="withdrawn by letter")

    run = TaintRun.objects.get(cause_type="consent", cause_id=consent.pk)
    assert revocation.consent_id == consent.pk
    [message] = broker.messages
    assert (message.task, message.args) == ("licensing.propagate_taint", (run.pk,))
    assert message.correlation_id == "revocation-0001"  # the worker's audit events will carry it
    started = AuditEvent.objects.get(action="licensing.taint.started")
    revoked = AuditEvent.objects.get(action="licensing.consent.revoked")
    assert started.correlation_id == revoked.correlation_id == "revocation-0001"
    assert started.actor_id == legal.pk


@pytest.mark.django_db(transaction=True)
def test_a_broker_down_at_revocation_still_answers_and_keeps_the_run(
    footage, legal, token_client, production, monkeypatch
):
    monkeypatch.setattr(queues, "publish", _broker_down)
    consent = footage.consents["likeness_training"]
    client = token_client(legal, [production], can_write=True)

    response = client.post(
        f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "withdrawn"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert Revocation.objects.filter(consent=consent).exists()
    run = TaintRun.objects.get(cause_type="consent", cause_id=consent.pk)
    assert run.status == TaintRun.Status.PENDING  # recorded, waiting to be sent again


def test_anonymous_callers_never_reach_the_revocation(footage):
    consent = footage.consents["likeness_training"]

    response = APIClient().post(f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "x"})

    assert response.status_code == 401
    assert not TaintRun.objects.exists()
