"""Leases on running work, with a clock: a running run is held by one worker, renewed by it alone;
a run whose lease ran out is orphaned and queued again, a bounded number of times, then failed."""

import datetime as dt
import os
import socket
import subprocess
import time

import pytest
from django.utils import timezone

from editing.models import EditJob, TrainingRun
from editing.services import edit_job_cancel
from editing.services.leases import LeaseKeeper, LeaseLost, lease_renew
from editing.services.lifecycle import claim
from editing.services.orphans import leases_expire, run_requeue
from editing.tasks import expire_leases
from studio.actors import SystemActor
from studio.beat import BEAT_SCHEDULE
from studio.exceptions import Conflict
from studio.models import AuditEvent, OutboxMessage

PREFIX = "editing.job"
ADMIN = SystemActor("test")


@pytest.fixture
def queued(production):
    return EditJob.objects.create(
        production=production,
        requested_by="test",
        seed=1,
        operation="inpaint",
        status="queued",
        territory="US",
        media="svod",
    )


@pytest.fixture
def lease_settings(settings):
    settings.EDITING_LEASE_SECONDS = 60
    settings.EDITING_MAX_ATTEMPTS = 3
    return settings


def _audit(job, action):
    return list(AuditEvent.objects.filter(action=action, target_id=str(job.pk)).order_by("id"))


def _requeued(job):
    return OutboxMessage.objects.filter(task_name="editing.gpu.run_edit_job", args=[job.pk])


def test_claiming_takes_a_lease_that_the_holder_renews(queued, lease_settings):
    job = claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")

    assert job.status == "running"
    assert job.worker == "host-a:1"
    assert job.lease_expires_at - job.heartbeat_at == dt.timedelta(seconds=60)
    [started] = _audit(job, "editing.job.started")
    assert started.after["lease_expires_at"] == job.lease_expires_at.isoformat()
    later = timezone.now() + dt.timedelta(seconds=45)
    expires = lease_renew(model=EditJob, pk=job.pk, worker="host-a:1", now=later)
    job.refresh_from_db()
    assert expires == later + dt.timedelta(seconds=60)
    assert (job.lease_expires_at, job.heartbeat_at) == (expires, later)


def test_a_lease_renewed_by_another_worker_is_refused(queued, lease_settings):
    job = claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    before = EditJob.objects.values("lease_expires_at", "heartbeat_at", "worker").get(pk=job.pk)

    with pytest.raises(LeaseLost):
        lease_renew(model=EditJob, pk=job.pk, worker="host-b:2")

    assert EditJob.objects.values("lease_expires_at", "heartbeat_at", "worker").get(pk=job.pk) == (
        before
    )


def test_a_lease_of_a_finished_run_cannot_be_renewed(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    EditJob.objects.filter(pk=queued.pk).update(status="succeeded")

    with pytest.raises(LeaseLost):
        lease_renew(model=EditJob, pk=queued.pk, worker="host-a:1")


def test_a_second_delivery_while_the_lease_is_live_is_dropped(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")

    assert claim(EditJob, queued.pk, "host-b:2", PREFIX, "cpu") is None

    job = EditJob.objects.get(pk=queued.pk)
    assert (job.worker, job.attempts, job.status) == ("host-a:1", 1, "running")
    assert len(_audit(job, "editing.job.started")) == 1


def test_a_lease_held_by_a_dead_process_on_this_host_is_taken_over_at_once(queued, lease_settings):
    # A prefork child killed mid-job: its successor on the same host gets the redelivery.
    claim(EditJob, queued.pk, f"{socket.gethostname()}:{_dead_pid()}", PREFIX, "cpu")

    job = claim(EditJob, queued.pk, f"{socket.gethostname()}:{os.getpid()}", PREFIX, "cpu")

    assert job is not None
    assert (job.attempts, job.worker) == (2, f"{socket.gethostname()}:{os.getpid()}")


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])  # noqa: S607
    process.wait()
    return process.pid


def test_an_expired_lease_orphans_the_run_and_queues_it_again(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")

    assert leases_expire(now=timezone.now() + dt.timedelta(seconds=59)) == {}
    outcome = leases_expire(now=timezone.now() + dt.timedelta(seconds=61))

    job = EditJob.objects.get(pk=queued.pk)
    assert outcome == {"requeued": 1}
    assert (job.status, job.lease_expires_at, job.attempts) == ("orphaned", None, 1)
    assert job.orphaned_at is not None
    [orphaned] = _audit(job, "editing.job.orphaned")
    assert orphaned.after["worker"] == "host-a:1"
    assert orphaned.after["attempts"] == 1
    assert _requeued(job).count() == 1
    # The next delivery takes it; its lease is a new one.
    again = claim(EditJob, job.pk, "host-c:3", PREFIX, "cpu")
    assert (again.status, again.attempts, again.worker) == ("running", 2, "host-c:3")


def test_a_renewed_lease_does_not_expire(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    start = timezone.now()
    for minute in range(1, 4):
        lease_renew(
            model=EditJob, pk=queued.pk, worker="host-a:1", now=start + dt.timedelta(minutes=minute)
        )
        assert leases_expire(now=start + dt.timedelta(minutes=minute, seconds=50)) == {}

    assert EditJob.objects.get(pk=queued.pk).status == "running"


def test_a_run_is_failed_with_the_reason_once_its_attempts_are_spent(queued, lease_settings):
    clock = timezone.now()
    for attempt in range(1, 4):
        job = claim(EditJob, queued.pk, f"host-{attempt}:{attempt}", PREFIX, "cpu")
        assert job.attempts == attempt
        clock += dt.timedelta(minutes=5)
        leases_expire(now=clock)

    job = EditJob.objects.get(pk=queued.pk)
    assert job.status == "failed"
    assert "stopped renewing its lease; given up after 3 attempts" in job.error
    assert len(_audit(job, "editing.job.orphaned")) == 2
    assert len(_audit(job, "editing.job.failed")) == 1
    assert _requeued(job).count() == 2
    assert job.lease_expires_at is None


def test_a_requeue_of_a_finished_job_is_refused_and_writes_nothing(queued, lease_settings):
    EditJob.objects.filter(pk=queued.pk).update(status="succeeded")
    events = AuditEvent.objects.count()

    with pytest.raises(Conflict, match="finished"):
        run_requeue(actor=ADMIN, run=queued)

    assert EditJob.objects.get(pk=queued.pk).status == "succeeded"
    assert AuditEvent.objects.count() == events
    assert not _requeued(queued).exists()


def test_a_requeue_of_a_run_whose_lease_is_live_is_refused(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")

    with pytest.raises(Conflict, match="lease is live"):
        run_requeue(actor=ADMIN, run=queued)

    assert EditJob.objects.get(pk=queued.pk).status == "running"


def test_an_orphaned_job_can_be_cancelled_at_once(queued, lease_settings, member, production):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    leases_expire(now=timezone.now() + dt.timedelta(minutes=2))

    job = edit_job_cancel(actor=member("coordinator", production), job=queued)

    assert job.status == "cancelled"
    assert claim(EditJob, queued.pk, "host-c:3", PREFIX, "cpu") is None


def test_training_runs_hold_leases_too(production, lease_settings):
    run = TrainingRun.objects.create(
        production=production,
        requested_by="test",
        seed=1,
        name="look",
        status="queued",
        territory="US",
        media="internal",
    )
    claim(TrainingRun, run.pk, "host-a:1", "editing.training", "cpu")

    assert leases_expire(now=timezone.now() + dt.timedelta(minutes=2)) == {"requeued": 1}
    assert TrainingRun.objects.get(pk=run.pk).status == "orphaned"
    assert OutboxMessage.objects.filter(task_name="editing.gpu.run_training").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_keeper_renews_while_the_work_runs_and_notices_a_takeover(production, settings):
    settings.EDITING_LEASE_SECONDS = 0.3
    job = EditJob.objects.create(
        production=production,
        requested_by="test",
        seed=1,
        operation="inpaint",
        status="queued",
        territory="US",
        media="svod",
    )
    claim(EditJob, job.pk, "host-a:1", PREFIX, "cpu")
    first = EditJob.objects.get(pk=job.pk).lease_expires_at

    with LeaseKeeper(EditJob, job.pk, "host-a:1") as keeper:
        renewed = _eventually(lambda: EditJob.objects.get(pk=job.pk).lease_expires_at > first)
        EditJob.objects.filter(pk=job.pk).update(worker="host-b:2")  # taken over
        lost = keeper.lost.wait(timeout=5)
        with pytest.raises(LeaseLost):
            keeper.check()

    assert renewed
    assert lost


def _eventually(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_the_sweep_runs_on_beat_and_as_a_task(queued, lease_settings):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    EditJob.objects.filter(pk=queued.pk).update(lease_expires_at=timezone.now())

    assert expire_leases.apply().get() == {"requeued": 1}
    schedule = BEAT_SCHEDULE["editing-expire-leases"]
    assert (schedule["task"], schedule["schedule"]) == ("editing.expire_leases", 30)


def test_an_orphaned_job_shows_as_such_in_the_api_and_the_admin(
    queued, lease_settings, superuser, member, production, api, client
):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    leases_expire(now=timezone.now() + dt.timedelta(minutes=2))
    api.force_login(member("coordinator", production))

    shown = api.get(f"/api/v1/edits/{queued.pk}/").json()
    client.force_login(superuser)
    page = client.get("/admin/editing/editjob/").content.decode()

    assert shown["status"] == "orphaned"
    assert shown["orphaned_at"] is not None
    assert shown["lease_expires_at"] is None
    assert ">Orphaned<" in page
    assert (
        "Its worker host-a:1 stopped renewing its lease; queued again (attempt 2 of at most 3)"
        in (page)
    )


def test_a_duplicate_delivery_of_a_cancelled_running_job_leaves_it_to_its_holder(
    queued, lease_settings, member, production
):
    claim(EditJob, queued.pk, "host-a:1", PREFIX, "cpu")
    edit_job_cancel(actor=member("coordinator", production), job=queued)

    assert claim(EditJob, queued.pk, "host-b:2", PREFIX, "cpu") is None

    job = EditJob.objects.get(pk=queued.pk)
    # Still the holder's to stop at its next step, and to record as cancelled.
    assert (job.status, job.worker, job.cancel_requested) == ("running", "host-a:1", True)
