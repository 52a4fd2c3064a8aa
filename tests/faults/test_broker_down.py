"""The broker stops (the test's own Redis is killed): a submit, an upload and a revocation made
meanwhile are all answered 2xx, and once the broker is back the dispatcher sends each piece of work,
which a worker does once. A message the restarted broker lost (it kept nothing) is sent again."""

import datetime as dt

import pytest
from django.utils import timezone

from assets.models import Appearance, Asset, Derivation, Person
from assets.synthetic import make_clip
from editing.models import EditJob
from licensing.models import Consent, TaintRun
from studio.models import AuditEvent, OutboxMessage
from studio.outbox import outbox_dispatch
from tests.faults.conftest import START, wait_for

pytestmark = pytest.mark.slow


def _consent(production, asset) -> Consent:
    person = Person.objects.create(name="Maya")
    person.productions.set([production])
    Appearance.objects.create(person=person, asset=asset)
    consent = Consent.objects.create(
        person=person,
        scope="likeness_training",
        description="cleanup",
        valid_from=START,
        signed_by="Maya",
        signed_at=START,
    )
    consent.productions.set([production])
    return consent


def _all_done(job, uploaded_id, run) -> bool:
    outbox_dispatch()  # what beat does every few seconds
    return (
        EditJob.objects.filter(pk=job, status="succeeded").exists()
        and Asset.objects.filter(pk=uploaded_id).exclude(thumbnail_key="").exists()
        and TaintRun.objects.filter(pk=run, status="done").exists()
    )


def test_work_asked_for_while_the_broker_is_down_is_done_once_when_it_returns(
    production, member, edit_clip, redis_server, workers, api, settings, tmp_path
):
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    coordinator, legal = member("coordinator", production), member("legal", production)
    before = timezone.now()
    redis_server.kill()

    api.force_login(coordinator)
    submitted = api.post(
        "/api/v1/edits/",
        {
            "production": "ALPHA",
            "operation": "regrain",
            "inputs": [edit_clip.pk],
            "territory": "US",
            "media": "svod",
            "parameters": {"frame_start": 0, "frame_end": 6},
            "seed": 3,
        },
        format="json",
    )
    clip = make_clip(tmp_path / "second.mp4", seconds=1, fps=12, size=(64, 48))
    with clip.open("rb") as handle:
        uploaded = api.post(
            "/api/v1/assets/",
            {"file": handle, "production": "ALPHA", "origin": "dailies"},
            format="multipart",
        )
    consent = _consent(production, Asset.objects.get(pk=uploaded.json()["id"]))
    api.force_login(legal)
    revoked = api.post(
        f"/api/v1/consents/{consent.pk}/revoke/", {"reason": "withdrawn"}, format="json"
    )

    assert (submitted.status_code, uploaded.status_code, revoked.status_code) == (202, 201, 201), (
        submitted.content,
        uploaded.content,
        revoked.content,
    )
    kept = OutboxMessage.objects.filter(created_at__gte=before)
    assert sorted(kept.values_list("task_name", flat=True)) == [
        "assets.make_derivatives",
        "editing.gpu.run_edit_job",
        "licensing.propagate_taint",
    ]
    assert set(kept.values_list("status", flat=True)) == {"pending"}
    kept_ids = list(kept.values_list("pk", flat=True))

    redis_server.start()  # empty: what it held before it stopped is gone
    lost = OutboxMessage.objects.filter(status="sent", created_at__lt=before)
    lost_ids = list(lost.values_list("pk", flat=True))
    assert lost_ids  # the clip's own derivatives message, sent before the outage
    lost.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))  # its wait is over
    workers("gpu,default")
    job, run = submitted.json()["id"], TaintRun.objects.get(cause_id=consent.pk).pk
    wait_for(lambda: _all_done(job, uploaded.json()["id"], run), 120, "the kept work to be done")
    wait_for(
        lambda: Asset.objects.filter(pk=edit_clip.pk).exclude(thumbnail_key="").exists(),
        60,
        "the lost message to be sent again and done",
    )

    # Each message went out once the broker was back, was begun by a worker, and did its work once.
    for message in OutboxMessage.objects.filter(pk__in=kept_ids):
        assert (message.status, message.attempts, message.resends) == ("sent", 2, 0), message
        assert message.started_at is not None, message
    assert AuditEvent.objects.filter(action="editing.job.started", target_id=str(job)).count() == 1
    assert Derivation.objects.filter(activity_type="edit_job", activity_id=job).count() == 1
    assert AuditEvent.objects.filter(action="licensing.taint.finished").count() == 1
    for message in OutboxMessage.objects.filter(pk__in=lost_ids):
        assert (message.resends, message.started_at is not None) == (1, True), message
