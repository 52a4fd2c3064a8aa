"""The gate runs again when a worker starts a job; a running job stops at its next step when cancelled."""

import datetime as dt
from unittest import mock

from assets.models import Appearance, Person
from editing.models import EditJob
from editing.services import edit_job_cancel, edit_job_execute, edit_job_submit
from licensing.models import Consent
from licensing.services import consent_revoke
from studio.models import AuditEvent
from tests.worker.conftest import MASK


def _consenting_actor(production, clip):
    person = Person.objects.create(name="Maya")
    person.productions.set([production])
    Appearance.objects.create(person=person, asset=clip)
    consent = Consent.objects.create(
        person=person,
        scope="digital_alteration",
        description="cleanup",
        valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        signed_by="Maya",
        signed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    consent.productions.set([production])
    return consent


def _submit(user, production, clip, model, **parameters):
    return edit_job_submit(
        actor=user,
        production=production,
        operation="remove_object",
        inputs=[clip],
        territory="US",
        media="svod",
        mask_polygons=MASK,
        prompt="clean",
        model_version=model,
        parameters={"steps": 2, **parameters},
        seed=1,
    )


def test_a_revocation_between_submit_and_start_denies_the_job_at_start(
    production, member, cleared_clip, model, broker
):
    coordinator, legal = member("coordinator", production), member("legal", production)
    consent = _consenting_actor(production, cleared_clip)
    job = _submit(coordinator, production, cleared_clip, model, frame_start=0, frame_end=2)
    assert job.status == "queued"
    assert broker.messages == []  # sent only after commit; the test transaction never commits

    consent_revoke(actor=legal, consent=consent, reason="withdrawn by letter")
    job = edit_job_execute(job_id=job.pk, worker="w")

    assert job.status == "denied"
    assert "Consent of Maya for digital_alteration revoked at" in job.error
    assert job.submit_evaluation.allowed is True
    assert job.start_evaluation.allowed is False
    assert job.output_id is None
    assert (
        AuditEvent.objects.filter(action="editing.job.denied", target_id=str(job.pk)).count() == 1
    )


def test_a_running_job_stops_at_the_next_step_when_cancelled(
    production, member, cleared_clip, model, settings
):
    settings.EDITING_PROGRESS_INTERVAL_SECONDS = 0
    coordinator = member("coordinator", production)
    job = _submit(coordinator, production, cleared_clip, model)
    steps_seen = []

    def cancel_on_first_step(*args, **kwargs):
        steps_seen.append(kwargs.get("fraction", args[-1] if args else None))
        EditJob.objects.filter(pk=job.pk).update(cancel_requested=True)

    from editing.services import progress

    original = progress.Progress.report

    def report(self, stage, fraction, *, force=False):
        original(self, stage, fraction, force=force)
        if stage == "editing":
            cancel_on_first_step(fraction=fraction)

    with mock.patch.object(progress.Progress, "report", report):
        job = edit_job_execute(job_id=job.pk, worker="w")

    assert job.status == "cancelled"
    assert job.output_id is None
    assert len(steps_seen) == 1  # the step after the request was never run
    assert (
        AuditEvent.objects.filter(action="editing.job.cancelled", target_id=str(job.pk)).count()
        == 1
    )


def test_a_queued_job_cancelled_never_runs(production, member, cleared_clip, model):
    coordinator = member("coordinator", production)
    job = _submit(coordinator, production, cleared_clip, model)

    edit_job_cancel(actor=coordinator, job=job)
    after = edit_job_execute(job_id=job.pk, worker="w")

    assert after.status == "cancelled"
    assert after.attempts == 0
    assert after.output_id is None
