"""The webhook API: who may do what, the secret shown once, PATCH, test sends, the delivery log."""

import pytest
from rest_framework.test import APIClient

from studio.events import Event, event_emit
from studio.models import AuditEvent, WebhookDelivery, WebhookSubscription
from studio.webhooks.services import webhook_subscription_disable
from tests.factories import ProductionFactory

pytestmark = pytest.mark.usefixtures("loopback")
URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def as_who(production, other_production, member, token_client):
    """as_who("anonymous" | "role@own" | "role@other" | "readonly-token@own") -> (client, user)."""

    def _as(spec):
        if spec == "anonymous":
            return APIClient(), None
        role, where = spec.split("@")
        place = production if where == "own" else other_production
        if role == "readonly-token":
            user = member("legal", place)
            return token_client(user, [place], can_write=False), user
        user = member(role, place)
        client = APIClient()
        client.force_login(user)
        return client, user

    return _as


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("viewer@own", 403),
        ("readonly-token@own", 403),
        ("coordinator@other", 400),  # ALPHA is not a production they can name
        ("coordinator@own", 201),
        ("integration@own", 201),
        ("legal@own", 201),
    ],
)
def test_create_matrix_with_one_audit_row_per_write(as_who, production, who, expected):
    client, user = as_who(who)

    response = client.post(
        "/api/v1/webhooks/",
        {"production": "ALPHA", "name": "Iconik", "url": URL, "events": ["asset.ingested"]},
        format="json",
    )

    assert response.status_code == expected, response.content
    events = list(AuditEvent.objects.filter(action__startswith="studio.webhook"))
    if expected != 201:
        assert not WebhookSubscription.objects.exists()
        assert events == []
        return
    (event,) = events
    subscription = WebhookSubscription.objects.get()
    assert (event.action, event.actor_id, event.production, event.target_id) == (
        "studio.webhook.created",
        user.pk,
        production,
        str(subscription.pk),
    )
    assert subscription.created_by == user


@pytest.fixture
def hook(subscribe):
    subscription, _ = subscribe(URL, events=["asset.ingested"])
    return subscription


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("viewer@own", 404),  # webhook plumbing is for the roles that change a production
        ("coordinator@other", 404),
        ("coordinator@own", 200),
        ("legal@own", 200),
    ],
)
def test_detail_matrix(as_who, hook, who, expected):
    client, _ = as_who(who)

    assert client.get(f"/api/v1/webhooks/{hook.pk}/").status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("viewer@own", 404),
        ("readonly-token@own", 403),
        ("coordinator@other", 404),
        ("legal@own", 200),
    ],
)
def test_patch_matrix_with_one_audit_row_per_write(as_who, hook, who, expected):
    client, user = as_who(who)
    before = AuditEvent.objects.count()

    response = client.patch(
        f"/api/v1/webhooks/{hook.pk}/", {"events": ["job.failed", "job.denied"]}, format="json"
    )

    assert response.status_code == expected, response.content
    hook.refresh_from_db()
    if expected != 200:
        assert hook.events == ["asset.ingested"]
        assert AuditEvent.objects.count() == before
        return
    assert response.json()["events"] == ["job.denied", "job.failed"]
    assert hook.events == ["job.denied", "job.failed"]
    event = AuditEvent.objects.get(action="studio.webhook.updated")
    assert (event.actor_id, event.before, event.after) == (
        user.pk,
        {"events": ["asset.ingested"]},
        {"events": ["job.denied", "job.failed"]},
    )
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("viewer@own", 404), ("coordinator@other", 404), ("coordinator@own", 202)],
)
def test_send_test_matrix(as_who, hook, queued, who, expected, django_capture_on_commit_callbacks):
    client, user = as_who(who)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/webhooks/{hook.pk}/test/")

    assert response.status_code == expected, response.content
    if expected != 202:
        assert not WebhookDelivery.objects.exists()
        assert queued.delayed == []
        return
    delivery = WebhookDelivery.objects.get()
    assert response.json()["id"] == delivery.pk
    assert (delivery.event_type, delivery.status) == ("webhook.test", "pending")
    assert queued.delayed == [delivery.pk]
    event = AuditEvent.objects.get(action="studio.webhook.test_sent")
    assert event.actor_id == user.pk


def test_the_secret_is_returned_once_and_never_again(api, coordinator, production):
    api.force_login(coordinator)

    created = api.post(
        "/api/v1/webhooks/", {"production": "ALPHA", "name": "MAM", "url": URL}, format="json"
    )

    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == secret
    detail = api.get(f"/api/v1/webhooks/{subscription.pk}/")
    listing = api.get("/api/v1/webhooks/")
    patched = api.patch(f"/api/v1/webhooks/{subscription.pk}/", {"name": "M"}, format="json")
    for response in (detail, listing, patched):
        assert response.status_code == 200
        assert "secret" not in response.content.decode()
        assert secret not in response.content.decode()
    assert "secret" not in detail.json()
    for event in AuditEvent.objects.all():
        assert secret not in str(event.before) + str(event.after) + event.target_label


def test_patch_active_disables_and_enables_with_an_audit_row_each(api, coordinator, hook):
    api.force_login(coordinator)

    off = api.patch(f"/api/v1/webhooks/{hook.pk}/", {"active": False}, format="json")
    hook.refresh_from_db()
    assert (off.status_code, hook.active) == (200, False)
    assert off.json()["disabled_at"] is not None

    hook.consecutive_failures = 7
    hook.save(update_fields=["consecutive_failures"])
    on = api.patch(f"/api/v1/webhooks/{hook.pk}/", {"active": True}, format="json")

    hook.refresh_from_db()
    assert (on.status_code, hook.active, hook.disabled_at, hook.consecutive_failures) == (
        200,
        True,
        None,
        0,
    )
    actions = list(
        AuditEvent.objects.filter(action__startswith="studio.webhook")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "studio.webhook.created",
        "studio.webhook.disabled",
        "studio.webhook.enabled",
    ]


def test_patch_refuses_a_private_url_unknown_fields_and_put(api, coordinator, hook):
    api.force_login(coordinator)

    private = api.patch(f"/api/v1/webhooks/{hook.pk}/", {"url": "http://10.0.0.5/"}, format="json")
    unknown = api.patch(f"/api/v1/webhooks/{hook.pk}/", {"secret": "mine"}, format="json")
    bad_event = api.patch(f"/api/v1/webhooks/{hook.pk}/", {"events": ["nope"]}, format="json")
    put = api.put(f"/api/v1/webhooks/{hook.pk}/", {"name": "x"}, format="json")

    assert private.status_code == 400
    assert private.json()["errors"][0]["field"] == "url"
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["field"] == "secret"
    assert bad_event.status_code == 400
    assert put.status_code == 405
    hook.refresh_from_db()
    assert hook.url == URL


def test_testing_a_disabled_subscription_is_a_conflict(api, coordinator, hook):
    webhook_subscription_disable(actor=coordinator, subscription=hook)
    api.force_login(coordinator)

    response = api.post(f"/api/v1/webhooks/{hook.pk}/test/")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"


def _emit(production, event_type="asset.ingested"):
    return event_emit(Event(event_type), production=production, data={"n": 1})


def test_the_delivery_log_is_scoped_and_filtered(
    api, coordinator, production, other_production, subscribe, member
):
    hook, _ = subscribe(URL, name="assets", events=["asset.ingested"])
    jobs, _ = subscribe(URL, name="jobs", events=["job.failed"])
    subscribe(URL, name="bravo", who=member("legal", other_production), where=other_production)
    (ingested,) = _emit(production)
    (failed,) = _emit(production, "job.failed")
    _emit(other_production)
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="abandoned")
    api.force_login(coordinator)

    def ids(query=""):
        response = api.get(f"/api/v1/webhook-deliveries/{query}")
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([ingested.pk, failed.pk])
    assert ids(f"?subscription={jobs.pk}") == [failed.pk]
    assert ids("?status=abandoned") == [failed.pk]
    assert ids("?event_type=asset.ingested") == [ingested.pk]
    assert ids(f"?event_id={ingested.event_id}") == [ingested.pk]
    assert api.get("/api/v1/webhook-deliveries/?status=lost").status_code == 400
    row = api.get(f"/api/v1/webhook-deliveries/{ingested.pk}/").json()
    assert (row["production"], row["subscription"], row["payload"]["type"]) == (
        "ALPHA",
        hook.pk,
        "asset.ingested",
    )


def test_other_productions_subscriptions_are_not_listed(
    api, coordinator, hook, other_production, member, subscribe
):
    subscribe(URL, name="bravo", who=member("legal", other_production), where=other_production)
    ProductionFactory()
    api.force_login(coordinator)

    rows = api.get("/api/v1/webhooks/").json()["results"]

    assert [row["id"] for row in rows] == [hook.pk]
