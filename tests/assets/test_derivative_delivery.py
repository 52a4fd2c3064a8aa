"""The thumbnail and proxy of an ingested asset are built even when a build fails on the way: the
task's outbox message counts as started only once the keys are recorded, so the dispatcher sends it
again; a file that has no derivatives to give is not sent again."""

import pytest
from django.db import OperationalError
from django.utils import timezone

from assets import services
from assets.models import Asset
from assets.services import ingest
from assets.tasks import make_derivatives
from studio.actors import SystemActor
from studio.models import OutboxMessage
from studio.outbox import Outcome, outbox_dispatch
from studio.queues import OUTBOX_HEADER

TASK = "assets.make_derivatives"

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(production, still, broker, django_capture_on_commit_callbacks):
    """A still ingested and its derivatives' message sent (as the broker got it)."""
    with django_capture_on_commit_callbacks(execute=True):
        asset = services.asset_ingest(
            actor=SystemActor("test"), production=production, source=still, filename="s.jpg"
        ).asset
    [message] = [m for m in broker.messages if m.task == TASK]
    return asset, message


def _deliver(message):
    return make_derivatives.apply(args=message.args, headers={OUTBOX_HEADER: message.outbox_id})


def _started(message) -> bool:
    return OutboxMessage.objects.get(pk=message.outbox_id).started_at is not None


def test_a_build_that_fails_on_the_way_is_sent_again(ingested, broker, monkeypatch):
    asset, message = ingested
    built = ingest.build_derivatives

    def lost(asset):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ingest, "build_derivatives", lost)
    assert isinstance(_deliver(message).result, OperationalError)
    monkeypatch.setattr(ingest, "build_derivatives", built)
    assert not _started(message)

    OutboxMessage.objects.filter(pk=message.outbox_id).update(next_attempt_at=timezone.now())
    assert outbox_dispatch()[Outcome.RESENT] == 1
    _deliver(broker.messages[-1])

    asset.refresh_from_db()
    assert asset.thumbnail_key.endswith(".jpg")
    assert asset.proxy_key.endswith(".webp")
    assert _started(message)


def test_a_file_without_derivatives_to_give_is_not_sent_again(ingested, monkeypatch):
    asset, message = ingested

    def undecodable(asset):
        raise ValueError("no frame decodes")

    monkeypatch.setattr(ingest, "build_derivatives", undecodable)
    _deliver(message)

    assert _started(message)
    assert Asset.objects.filter(pk=asset.pk, thumbnail_key="").exists()
