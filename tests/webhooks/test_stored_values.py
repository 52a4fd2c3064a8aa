"""A subscription's name and event list obey the same rules from every door (API, admin, demo):
bounded, plain text, known event types; a refusal names the field and keeps nothing."""

import pytest
from django.core.exceptions import ValidationError

from studio.models import AuditEvent, WebhookSubscription
from studio.webhooks.services import webhook_subscription_create

URL = "https://93.184.216.34/hooks"


@pytest.mark.parametrize(
    ("name", "events", "field"),
    [
        ("MAM\x00", [], "name"),
        ("MAM\nsecond line", [], "name"),
        ("M" * 5000, [], "name"),
        ("MAM", ["asset.ingested"] * 101, "events"),
        ("MAM", ["asset.ingested", {"type": "x"}], "events.1"),
        ("MAM", ["asset.ingested\x00"], "events.0"),
    ],
)
def test_a_value_the_rules_refuse_leaves_no_subscription(
    coordinator, production, name, events, field
):
    before = WebhookSubscription.objects.count(), AuditEvent.objects.count()

    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(
            actor=coordinator, production=production, name=name, url=URL, events=events
        )

    assert field in refused.value.message_dict
    assert (WebhookSubscription.objects.count(), AuditEvent.objects.count()) == before


def test_the_api_names_the_event_at_fault(coordinator, production, token_client):
    client = token_client(coordinator, [production], can_write=True)
    body = {
        "production": production.code,
        "name": "MAM",
        "url": URL,
        "events": ["job.failed"] * 101,
    }

    response = client.post("/api/v1/webhooks/", body, format="json")

    assert response.status_code == 400, response.content
    assert "events" in {error["field"] for error in response.json()["errors"]}
    assert not WebhookSubscription.objects.exists()
