"""Delivering to a real HTTP receiver on loopback: signed bodies, retries, give-up, auto-disable."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import OperationalError
from django.utils import timezone

from studio.events import Event, event_emit
from studio.models import AuditEvent, OutboxMessage, WebhookDelivery
from studio.outbox import Outcome, outbox_dispatch
from studio.queues import OUTBOX_HEADER
from studio.webhooks import services, signing
from studio.webhooks.services import body_bytes, webhook_deliver
from studio.webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.usefixtures("loopback")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Names under example.com resolve to a public address, without the network."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if str(host).endswith("example.com"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def emit(production, django_capture_on_commit_callbacks):
    """emit(type, data) -> the deliveries, after the emitting transaction has committed."""

    def _emit(event_type="asset.ingested", data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return event_emit(Event(event_type), production=production, data=data or {})

    return _emit


@pytest.fixture
def attempt(django_capture_on_commit_callbacks):
    """attempt(delivery) -> the delivery after one attempt, its retry (if any) handed on."""

    def _attempt(delivery):
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_deliver(delivery_id=delivery.pk)

    return _attempt


def test_a_delivery_is_a_signed_json_post_the_recipe_verifies(
    receiver, subscribe, emit, attempt, queued
):
    subscription, secret = subscribe(receiver.url)
    (delivery,) = emit("asset.ingested", {"asset": 42})

    delivered = attempt(delivery)

    (request,) = receiver.wait_for(1)
    assert queued.delayed == [delivery.pk]
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        "delivered",
        1,
        204,
    )
    assert request.path == "/hooks/clearcut"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Clearcut-Event"] == "asset.ingested"
    assert request.headers["Clearcut-Delivery"] == str(delivery.event_id)
    assert signing.verify(secret, request.headers["Clearcut-Signature"], request.body)
    assert not signing.verify("whsec_other", request.headers["Clearcut-Signature"], request.body)
    assert request.body == body_bytes(delivery.payload)
    assert request.json == {
        "id": str(delivery.event_id),
        "type": "asset.ingested",
        "created_at": delivery.payload["created_at"],
        "production": "ALPHA",
        "data": {"asset": 42},
    }


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_with_backoff(
    receiver, subscribe, emit, attempt, queued, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.fail_next = 2
    subscription, _ = subscribe(receiver.url)
    (delivery,) = emit()

    first = attempt(delivery)
    second = attempt(delivery)
    third = attempt(delivery)

    assert len(receiver.wait_for(3)) == 3
    assert (first.status, first.attempts, first.last_status_code) == ("failed", 1, 500)
    assert first.next_attempt_at is not None
    assert (second.status, second.attempts) == ("failed", 2)
    assert (third.status, third.attempts, third.last_error) == ("delivered", 3, "")
    assert queued.retries == [(delivery.pk, 30), (delivery.pk, 60)]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    # the same event, the same bytes, on every attempt
    assert len({r.body for r in receiver.requests}) == 1
    assert len({r.headers["Clearcut-Delivery"] for r in receiver.requests}) == 1


def test_a_delivery_is_abandoned_after_the_last_attempt(
    receiver, subscribe, emit, attempt, queued, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS, settings.WEBHOOK_RETRY_BASE_SECONDS = 4, 10
    receiver.status = 503
    subscribe(receiver.url)
    (delivery,) = emit()

    for _ in range(4):
        delivery = attempt(delivery)

    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("abandoned", 4, None)
    assert "HTTP 503" in delivery.last_error
    assert "Gave up after 4 attempts" in delivery.last_error
    assert queued.countdowns == [10, 20, 40]
    assert attempt(delivery).attempts == 4  # a late duplicate of the task sends nothing
    assert len(receiver.requests) == 4


def test_delivering_a_delivered_event_again_sends_nothing(receiver, subscribe, emit, attempt):
    subscribe(receiver.url)
    (delivery,) = emit()
    first = attempt(delivery)

    again = attempt(delivery)
    deliver_webhook(delivery.pk)  # the task itself, run in-process

    assert len(receiver.wait_for(1)) == 1
    assert (again.status, again.attempts, again.delivered_at) == (
        "delivered",
        1,
        first.delivered_at,
    )


def test_a_subscription_failing_too_often_in_a_row_is_disabled_by_the_system(
    receiver, subscribe, emit, attempt, queued, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES, settings.WEBHOOK_MAX_ATTEMPTS = 3, 2
    receiver.status = 500
    subscription, _ = subscribe(receiver.url)
    first, second = emit(), emit()

    attempt(first[0])
    attempt(first[0])  # abandoned after its 2 attempts: 2 failures in a row
    last = attempt(second[0])  # the third failure in a row

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.disabled_at is not None
    assert "3 failed attempts in a row" in subscription.disabled_reason
    assert last.status == "abandoned"
    assert len(queued.retries) == 1  # only the first attempt of the first event was retried
    event = AuditEvent.objects.get(action="studio.webhook.disabled")
    assert (event.actor_type, event.actor_name) == ("system", "system:studio.webhook-delivery")
    # a disabled subscription hears nothing more, and is not sent what was pending
    assert emit() == []
    assert len(receiver.requests) == 3


def test_a_success_resets_the_count_of_failures_in_a_row(
    receiver, subscribe, emit, attempt, settings
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.fail_next = 2
    subscription, _ = subscribe(receiver.url)
    (delivery,) = emit()
    attempt(delivery)
    attempt(delivery)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 2

    attempt(delivery)
    receiver.fail_next = 2
    (later,) = emit()
    attempt(later)
    attempt(later)

    subscription.refresh_from_db()
    assert (subscription.active, subscription.consecutive_failures) == (True, 2)


def test_a_pending_delivery_of_a_disabled_subscription_is_not_sent(
    receiver, subscribe, emit, attempt, coordinator
):
    from studio.webhooks.services import webhook_subscription_disable

    subscription, _ = subscribe(receiver.url)
    (delivery,) = emit()
    webhook_subscription_disable(actor=coordinator, subscription=subscription, reason="paused")

    result = attempt(delivery)

    assert result.status == "abandoned"
    assert "disabled" in result.last_error
    assert receiver.requests == []


def test_an_address_that_became_private_is_refused_at_delivery(
    receiver, subscribe, emit, attempt, queued, monkeypatch, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 5
    subscription, _ = subscribe("http://mam.example.com/hooks")
    (delivery,) = emit()

    def rebound(host, port, *args, **kwargs):  # the DNS answer changed since the subscription
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    result = attempt(delivery)

    assert (result.status, result.attempts, result.last_status_code) == ("failed", 1, None)
    assert "Refused" in result.last_error
    assert "10.1.2.3, a private address" in result.last_error
    assert queued.countdowns == [5]
    assert receiver.requests == []


def test_a_redirect_is_not_followed(receiver, subscribe, emit, attempt):
    receiver.status, receiver.location = 302, "/elsewhere"
    subscribe(receiver.url)
    (delivery,) = emit()
    result = attempt(delivery)

    assert (result.status, result.last_status_code) == ("failed", 302)
    assert [r.path for r in receiver.requests] == ["/hooks/clearcut"]


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    receiver, subscribe, emit, attempt, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.hang = True
    subscribe(receiver.url)
    (delivery,) = emit()

    result = attempt(delivery)

    assert (result.status, result.last_status_code) == ("failed", None)
    assert "timed out" in result.last_error
    assert len(receiver.wait_for(1)) == 1


def test_an_unknown_delivery_id_is_ignored(db):
    assert webhook_deliver(delivery_id=987654) is None


def test_a_worker_process_knows_the_task_by_its_name():
    """Run as a worker starts: Django set up, then Celery's own task discovery, nothing imported."""
    probe = (
        "import django; django.setup(); from studio.celery import app; "
        "app.loader.import_default_modules(); "
        "task = app.tasks['studio.deliver_webhook']; print(task.name, task.acks_late)"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "studio.settings_test"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [deliver_webhook.name, "True"]


def test_an_event_is_stored_once_per_subscription(receiver, subscribe, emit):
    subscribe(receiver.url, name="one")
    subscribe(receiver.url, name="two")

    deliveries = emit()

    assert len(deliveries) == 2
    assert len({d.event_id for d in deliveries}) == 1
    assert WebhookDelivery.objects.filter(event_id=deliveries[0].event_id).count() == 2
    assert isinstance(deliveries[0].event_id, uuid.UUID)


def test_the_connection_goes_to_the_address_that_was_checked(
    receiver, subscribe, emit, attempt, monkeypatch
):
    """A DNS answer that changes after the check (rebinding) cannot redirect the POST."""
    real, answers = socket.getaddrinfo, ["127.0.0.1", "127.0.0.1"]  # subscribe, then deliver

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example.com":
            address = answers.pop(0) if answers else "127.0.0.2"  # nobody listens there
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.url.split(":")[2].split("/")[0]
    subscribe(f"http://rebind.example.com:{port}/hooks")
    (delivery,) = emit()

    result = attempt(delivery)

    assert result.status == "delivered", result.last_error
    (request,) = receiver.wait_for(1)
    assert request.headers["Host"] == f"rebind.example.com:{port}"


@pytest.fixture
def tls_subscription(tls_receiver, subscribe, monkeypatch):
    from tests.webhooks.conftest import TLS_HOST

    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == TLS_HOST:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    port = tls_receiver.url.split(":")[2].split("/")[0]
    subscription, _ = subscribe(f"https://{TLS_HOST}:{port}/hooks")
    return subscription


def test_https_verifies_the_certificate_of_the_urls_host(
    tls_receiver, tls_subscription, emit, attempt, tls_files, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))  # trust our test certificate
    (delivery,) = emit()

    result = attempt(delivery)

    assert result.status == "delivered", result.last_error
    assert len(tls_receiver.wait_for(1)) == 1


def test_https_refuses_a_certificate_it_does_not_trust(
    tls_receiver, tls_subscription, emit, attempt
):
    (delivery,) = emit()

    result = attempt(delivery)

    assert (result.status, result.last_status_code) == ("failed", None)
    assert "CERTIFICATE_VERIFY_FAILED" in result.last_error
    assert tls_receiver.requests == []


def _sent_again(broker, message):
    """The dispatcher's resend of ``message`` once its wait is over (nothing began it)."""
    OutboxMessage.objects.filter(pk=message.outbox_id).update(next_attempt_at=timezone.now())
    assert outbox_dispatch()[Outcome.RESENT] == 1
    return broker.messages[-1]


def test_an_attempt_whose_outcome_cannot_be_recorded_is_sent_again(
    receiver, subscribe, emit, broker, monkeypatch
):
    subscribe(receiver.url)
    (delivery,) = emit("asset.ingested", {"asset": 42})
    [message] = [m for m in broker.messages if m.task == "studio.deliver_webhook"]
    headers = {OUTBOX_HEADER: message.outbox_id}

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    recorded = services._record_locked
    monkeypatch.setattr(services, "_record_locked", lost)
    assert isinstance(deliver_webhook.apply(args=message.args, headers=headers).result, Exception)
    monkeypatch.setattr(services, "_record_locked", recorded)
    assert OutboxMessage.objects.get(pk=message.outbox_id).started_at is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 0)

    resent = _sent_again(broker, message)
    deliver_webhook.apply(args=resent.args, headers={OUTBOX_HEADER: resent.outbox_id})

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.wait_for(2)) == 2  # the first POST got through before the outcome was lost
    assert OutboxMessage.objects.get(pk=message.outbox_id).started_at is not None
