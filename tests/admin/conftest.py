"""One row of every model the admin shows, and the people who open it."""

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from assets.models import Asset, Person
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from licensing.models import ClearanceRequest, Consent, GateEvaluation, License, Party
from licensing.services import clearance_request_create
from studio import services as studio_services
from studio.events import Event, event_emit
from studio.models import (
    ApiToken,
    AuditEvent,
    Membership,
    OutboxMessage,
    Production,
    WebhookDelivery,
    WebhookSubscription,
)
from studio.webhooks.services import webhook_subscription_create
from tests.factories import make_token

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HOOK_URL = "http://127.0.0.1:9/hooks"


@pytest.fixture(autouse=True)
def no_broker(settings, monkeypatch):
    """Webhooks may go to the loopback receiver; nothing is sent to a broker."""
    from celery import Task

    settings.WEBHOOK_ALLOW_LOOPBACK = True
    monkeypatch.setattr(Task, "apply_async", lambda self, *args, **kwargs: None)


@pytest.fixture
def coordinator(production, member):
    return member("coordinator", production, username="cora-coordinator")


def _asset(production, name):
    digest = hashlib.sha256(f"{production.code}-{name}".encode()).hexdigest()
    return Asset.objects.create(
        production=production,
        sha256=digest,
        kind="video",
        mime_type="video/mp4",
        size=1000,
        storage_key=f"originals/{digest}",
        original_filename=name,
        origin="dailies",
        ingested_by="test",
    )


def _model_version():
    return ModelVersion.objects.create(
        family="tiny-sd",
        version="1",
        task="inpaint",
        location="/models/tiny",
        weights_sha256="a" * 64,
        registered_by="test",
    )


def _editing_rows(production, asset):
    model = _model_version()
    adapter = Adapter.objects.create(
        production=production,
        name="look",
        model_version=model,
        weights_key="adapters/look",
        weights_sha256="b" * 64,
    )
    run_fields = {"production": production, "requested_by": "test", "seed": 1}
    run_fields |= {"territory": "US", "media": "svod", "model_version": model}
    job = EditJob.objects.create(operation="inpaint", **run_fields)
    job.inputs.set([asset])
    run = TrainingRun.objects.create(name="look", **run_fields)
    return {ModelVersion: model, Adapter: adapter, EditJob: job, TrainingRun: run}


def _licensing_rows(production, asset, person, coordinator):
    studio, stock = Party.objects.create(name="Studio"), Party.objects.create(name="StockCo")
    license = License.objects.create(
        production=production,
        reference="L-1",
        title="Stock",
        licensor=stock,
        licensee=studio,
        starts_at=T0,
        coverage="production",
    )
    consent = Consent.objects.create(
        person=person, scope="digital_alteration", valid_from=T0, signed_by="Maya", signed_at=T0
    )
    consent.productions.set([production])
    clearance = clearance_request_create(
        actor=coordinator,
        production=production,
        assets=[asset],
        action="ai_edit",
        territory="US",
        media="svod",
        use_from=T0,
        purpose="trailer",
    )
    evaluation = GateEvaluation.objects.create(
        production=production,
        action="ai_edit",
        request={},
        allowed=False,
        reasons=[],
        rule_version="1",
        evaluated_by="test",
    )
    return {
        Party: stock,
        License: license,
        Consent: consent,
        ClearanceRequest: clearance,
        GateEvaluation: evaluation,
    }


@pytest.fixture
def rows(db, production, other_production, superuser, coordinator, member):
    """rows.of[Model] -> one row the admin can show; the named rows the forms refer to."""
    asset = _asset(production, "a1.mp4")
    person = Person.objects.create(name="Maya")
    person.productions.set([production])
    viewer = member("viewer", production, username="vic-viewer")
    subscription, _ = webhook_subscription_create(
        actor=superuser, production=production, name="MAM", url=HOOK_URL, events=[]
    )
    studio_services.production_update(actor=superuser, production=production, name="Alpha")
    (delivery,) = event_emit(Event.ASSET_INGESTED, production=production, data={})
    of = {
        Production: production,
        Membership: Membership.objects.get(user=viewer),
        ApiToken: make_token(coordinator, [production])[0],
        AuditEvent: AuditEvent.objects.first(),
        WebhookSubscription: subscription,
        WebhookDelivery: delivery,
        OutboxMessage: OutboxMessage.objects.first(),  # the delivery's task message
        Asset: asset,
        Person: person,
        type(superuser): viewer,
        Group: Group.objects.create(name="editors"),
    }
    of |= _licensing_rows(production, asset, person, coordinator)
    of |= _editing_rows(production, asset)
    return SimpleNamespace(
        of=of,
        production=production,
        foreign_asset=_asset(other_production, "b1.mp4"),
        asset=asset,
        person=person,
        parties=(of[Party], Party.objects.get(name="Studio")),
    )
