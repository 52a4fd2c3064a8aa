"""Which events reach which subscriptions: stored with the change that caused them, sent after commit."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from assets.models import Person
from editing import events as editing_events
from editing.models import EditJob, TrainingRun
from licensing import events as licensing_events
from licensing.choices import ConsentScope
from licensing.models import Consent, License, Party
from licensing.services import consent_revoke
from studio.events import Event, event_emit
from studio.models import WebhookDelivery
from studio.webhooks.services import webhook_subscription_disable

pytestmark = pytest.mark.usefixtures("loopback")
URL = "http://127.0.0.1:9/hooks"


def _types(deliveries) -> list[tuple[str, str]]:
    return sorted((d.subscription.name, d.event_type) for d in deliveries)


def test_each_subscription_gets_the_events_it_asked_for(
    production, other_production, subscribe, member, coordinator
):
    subscribe(URL, name="assets", events=["asset.ingested", "asset.tainted"])
    subscribe(URL, name="everything")
    subscribe(URL, name="jobs", events=["job.failed"])
    paused, _ = subscribe(URL, name="paused")
    webhook_subscription_disable(actor=coordinator, subscription=paused)
    subscribe(URL, name="bravo", who=member("legal", other_production), where=other_production)

    ingested = event_emit(Event.ASSET_INGESTED, production=production, data={})
    failed = event_emit(Event.JOB_FAILED, production=production, data={})
    trained = event_emit(Event.TRAINING_SUCCEEDED, production=production, data={})

    assert _types(ingested) == [("assets", "asset.ingested"), ("everything", "asset.ingested")]
    assert _types(failed) == [("everything", "job.failed"), ("jobs", "job.failed")]
    assert _types(trained) == [("everything", "training.succeeded")]


@pytest.mark.parametrize("event", ["asset.ingested", "unknown.event"])
def test_event_names_are_typed_never_string_literals(production, event):
    with pytest.raises(TypeError, match="studio.events.Event"):
        event_emit(event, production=production, data={})


def test_deliveries_are_queued_only_once_the_transaction_commits(
    production, subscribe, queued, django_capture_on_commit_callbacks
):
    subscribe(URL)

    with django_capture_on_commit_callbacks() as callbacks:
        (delivery,) = event_emit(Event.ASSET_INGESTED, production=production, data={})
        assert queued.delayed == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert queued.delayed == [delivery.pk]


def test_an_emit_in_a_rolled_back_transaction_sends_and_keeps_nothing(
    production, subscribe, queued, django_capture_on_commit_callbacks
):
    subscribe(URL)

    def failing_change():
        with transaction.atomic():
            event_emit(Event.ASSET_INGESTED, production=production, data={})
            raise RuntimeError("the change that caused the event failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="caused the event failed"):
            failing_change()

    assert callbacks == []
    assert queued.delayed == []
    assert not WebhookDelivery.objects.exists()


def test_the_body_is_stable_json_with_json_safe_data(production, subscribe):
    subscribe(URL)
    when = dt.datetime(2027, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    (delivery,) = event_emit(Event.LICENSE_EXPIRING, production=production, data={"ends_at": when})

    delivery.refresh_from_db()
    assert set(delivery.payload) == {"id", "type", "created_at", "production", "data"}
    assert delivery.payload["data"] == {"ends_at": "2027-01-02T03:04:05Z"}
    assert delivery.payload["id"] == str(delivery.event_id)
    assert dt.datetime.fromisoformat(delivery.payload["created_at"]).tzinfo is not None


@pytest.fixture
def legal_of_both(production, other_production, member):
    from tests.factories import MembershipFactory

    user = member("legal", production, username="lee-legal")
    MembershipFactory(user=user, production=other_production, role="legal")
    return user


def test_revoking_a_consent_tells_each_of_its_productions(
    production,
    other_production,
    subscribe,
    legal_of_both,
    queued,
    django_capture_on_commit_callbacks,
):
    subscribe(URL, name="alpha", events=["consent.revoked"])
    subscribe(URL, name="bravo", who=legal_of_both, where=other_production)
    person = Person.objects.create(name="Maya Ortiz")
    person.productions.set([production, other_production])
    start = timezone.now() - dt.timedelta(days=30)
    consent = Consent.objects.create(
        person=person,
        scope=ConsentScope.DIGITAL_ALTERATION,
        description="alterations in post",
        valid_from=start,
        signed_by="Maya Ortiz",
        signed_at=start,
    )
    consent.productions.set([production, other_production])

    with django_capture_on_commit_callbacks(execute=True):
        revocation = consent_revoke(
            actor=legal_of_both,
            consent=consent,
            reason="withdrawn",
            revoked_at=timezone.now().replace(microsecond=0),
        )

    deliveries = list(WebhookDelivery.objects.select_related("subscription__production"))
    assert sorted((d.subscription.production.code, d.event_type) for d in deliveries) == [
        ("ALPHA", "consent.revoked"),
        ("BRAVO", "consent.revoked"),
    ]
    data = deliveries[0].payload["data"]
    assert data["consent"] == consent.pk
    assert data["person"] == {"id": person.pk, "name": "Maya Ortiz"}
    assert dt.datetime.fromisoformat(data["revoked_at"]) == revocation.revoked_at
    assert sorted(queued.delayed) == sorted(d.pk for d in deliveries)


def _job(production, status, **fields):
    return EditJob.objects.create(
        production=production,
        requested_by="cora",
        seed=7,
        territory="US",
        media="svod",
        operation="regrain",
        status=status,
        **fields,
    )


@pytest.mark.parametrize(
    ("status", "error", "event_type", "expected"),
    [
        ("succeeded", "", "job.succeeded", {"error": "", "reasons": []}),
        ("failed", "ValueError: bad frame", "job.failed", {"error": "ValueError: bad frame"}),
        (
            "denied",
            "No grant of ai_edit\nConsent of Maya revoked",
            "job.denied",
            {"reasons": ["No grant of ai_edit", "Consent of Maya revoked"]},
        ),
    ],
)
def test_a_finished_edit_job_is_announced_by_its_outcome(
    production, subscribe, status, error, event_type, expected, django_capture_on_commit_callbacks
):
    subscribe(URL)
    job = _job(production, status, error=error)

    with django_capture_on_commit_callbacks(execute=True):
        editing_events.job_finished(job)

    (delivery,) = WebhookDelivery.objects.all()
    data = delivery.payload["data"]
    assert delivery.event_type == event_type
    assert (data["job"], data["operation"], data["status"], data["output_asset"]) == (
        job.pk,
        "regrain",
        status,
        None,
    )
    assert data | expected == data


def test_a_cancelled_job_sends_nothing(production, subscribe):
    subscribe(URL)

    editing_events.job_finished(_job(production, "cancelled"))

    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(("status", "sent"), [("succeeded", 1), ("failed", 0)])
def test_a_training_run_is_announced_when_it_succeeds(production, subscribe, status, sent):
    subscribe(URL)
    run = TrainingRun.objects.create(
        production=production,
        requested_by="cora",
        seed=1,
        territory="US",
        media="svod",
        name="house style",
        status=status,
    )

    editing_events.training_finished(run)

    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == sent
    if sent:
        assert deliveries[0].event_type == "training.succeeded"
        assert deliveries[0].payload["data"] == {
            "training_run": run.pk,
            "name": "house style",
            "status": "succeeded",
            "adapter": None,
        }


def test_expiring_licenses_are_announced_one_event_each(
    production, other_production, subscribe, member
):
    subscribe(URL, name="alpha")
    subscribe(URL, name="bravo", who=member("legal", other_production), where=other_production)
    studio, stock = Party.objects.create(name="Studio"), Party.objects.create(name="StockCo")
    ends = (timezone.now() + dt.timedelta(days=10)).replace(microsecond=0)

    def license(reference, where):
        return License.objects.create(
            production=where,
            reference=reference,
            title=reference,
            licensor=stock,
            licensee=studio,
            status="active",
            starts_at=ends - dt.timedelta(days=365),
            ends_at=ends,
        )

    licenses = [license("L-1", production), license("L-2", production)]
    licenses.append(license("B-1", other_production))

    licensing_events.licenses_expiring(licenses, days=30)

    rows = WebhookDelivery.objects.select_related("subscription")
    found = sorted((d.subscription.name, d.payload["data"]["reference"]) for d in rows)
    assert found == [("alpha", "L-1"), ("alpha", "L-2"), ("bravo", "B-1")]
    assert {d.event_type for d in rows} == {"license.expiring"}
    data = rows.filter(subscription__name="alpha").first().payload["data"]
    assert dt.datetime.fromisoformat(data["ends_at"]) == ends
    assert data["within_days"] == 30


def test_ingesting_an_asset_stores_its_event_with_it_and_sends_it_after_commit(
    production,
    coordinator,
    subscribe,
    queued,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    from assets.services import asset_ingest
    from assets.synthetic import make_still

    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = tmp_path
    subscribe(URL, events=["asset.ingested"])
    still = make_still(tmp_path / "take.png", size=(64, 36), format="PNG")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        asset = asset_ingest(
            actor=coordinator, production=production, source=still, filename="take.png"
        ).asset
        assert WebhookDelivery.objects.count() == 1  # recorded in the ingest's transaction
        assert queued.delayed == []  # and sent only once it commits

    assert callbacks
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event_type == "asset.ingested"
    assert delivery.payload["data"]["asset"] == asset.pk
    assert delivery.payload["data"]["sha256"] == asset.sha256
    assert queued.delayed == [delivery.pk]
