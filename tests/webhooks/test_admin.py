"""The webhook admin: the secret shown once on add and never after, a test-send action, the log."""

import pytest

from studio.events import Event, event_emit
from studio.models import AuditEvent, WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.usefixtures("loopback")
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_adding_a_subscription_shows_its_secret_once(admin_client, production):
    response = admin_client.post(
        "/admin/studio/webhooksubscription/add/",
        {"production": production.pk, "name": "Dalet", "url": URL, "events": ["job.failed"]},
        follow=True,
    )

    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    messages = [str(m) for m in response.context["messages"]]
    assert any(subscription.secret in m for m in messages)
    assert subscription.events == ["job.failed"]
    assert AuditEvent.objects.get().action == "studio.webhook.created"
    for page in (
        "/admin/studio/webhooksubscription/",
        f"/admin/studio/webhooksubscription/{subscription.pk}/change/",
    ):
        html = admin_client.get(page).content.decode()
        assert "Dalet" in html
        assert subscription.secret not in html


def test_a_private_url_is_a_form_error(admin_client, production):
    response = admin_client.post(
        "/admin/studio/webhooksubscription/add/",
        {"production": production.pk, "name": "Dalet", "url": "http://10.0.0.5/hooks"},
    )

    assert response.status_code == 200
    assert "a private address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_changing_a_subscription_goes_through_the_services(admin_client, subscribe):
    subscription, secret = subscribe(URL, events=["job.failed"])

    response = admin_client.post(
        f"/admin/studio/webhooksubscription/{subscription.pk}/change/",
        {"name": "Renamed", "url": URL, "events": ["job.failed"], "active": ""},
    )

    assert response.status_code == 302, response.content[:2000]
    subscription.refresh_from_db()
    assert (subscription.name, subscription.active, subscription.secret) == (
        "Renamed",
        False,
        secret,
    )
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions == [
        "studio.webhook.created",
        "studio.webhook.updated",
        "studio.webhook.disabled",
    ]


def test_the_send_test_event_action_queues_a_test_delivery(
    admin_client, subscribe, queued, django_capture_on_commit_callbacks
):
    subscription, _ = subscribe(URL)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/studio/webhooksubscription/",
            {"action": "send_test_event", "_selected_action": [subscription.pk]},
            follow=True,
        )

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert (delivery.subscription, delivery.event_type) == (subscription, "webhook.test")
    assert queued.delayed == [delivery.pk]
    assert any("Sent a test event to 1" in str(m) for m in response.context["messages"])
    assert AuditEvent.objects.filter(action="studio.webhook.test_sent").count() == 1


def test_the_delivery_log_is_read_only_with_status_badges(
    admin_client, production, subscribe, member, client
):
    subscription, secret = subscribe(URL)
    (delivery,) = event_emit(Event.ASSET_INGESTED, production=production, data={"a": 1})

    listing = admin_client.get("/admin/studio/webhookdelivery/?status__exact=pending")
    detail = admin_client.get(f"/admin/studio/webhookdelivery/{delivery.pk}/change/")
    add = admin_client.get("/admin/studio/webhookdelivery/add/")

    assert listing.status_code == 200
    assert "border-radius:8px" in listing.content.decode()  # the badge
    assert "asset.ingested" in listing.content.decode()
    assert detail.status_code == 200
    assert str(delivery.event_id) in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert secret not in detail.content.decode()
    assert add.status_code == 403


def test_a_coordinator_sees_only_their_productions_hooks_and_a_viewer_none(
    client, production, other_production, subscribe, member, coordinator
):
    mine, _ = subscribe(URL, name="Iconik-ALPHA")
    subscribe(
        URL, name="Dalet-BRAVO", who=member("legal", other_production), where=other_production
    )

    client.force_login(coordinator)
    listing = client.get("/admin/studio/webhooksubscription/").content.decode()
    client.force_login(member("viewer", production))
    refused = client.get("/admin/studio/webhooksubscription/")

    assert "Iconik-ALPHA" in listing
    assert "Dalet-BRAVO" not in listing
    assert refused.status_code == 403
