"""One correlation id from the request that queued a job to every audit event the worker writes."""

from editing.models import EditJob
from editing.tasks import run_edit_job
from studio.models import AuditEvent
from studio.queues import CORRELATION_HEADER
from tests.editing.test_submit_api import payload, post, signed_in

CORRELATION = "mam-request-000123"


def test_the_request_correlation_id_follows_the_job_into_the_worker(world, broker):
    still = world.still()

    response = post(
        world,
        signed_in(world.coordinator),
        payload(still),
        HTTP_X_CORRELATION_ID=CORRELATION,
    )

    assert response.status_code == 202, response.content
    assert response["X-Correlation-ID"] == CORRELATION
    job = EditJob.objects.get()
    [message] = [m for m in broker.messages if m.task == "editing.gpu.run_edit_job"]
    assert (message.args, message.correlation_id) == ((job.pk,), CORRELATION)

    # The worker runs the task with the headers the message carried.
    run_edit_job.apply(args=message.args, headers={CORRELATION_HEADER: message.correlation_id})

    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    worker_events = AuditEvent.objects.filter(actor_type="system", occurred_at__gte=job.started_at)
    assert {e.action for e in worker_events} >= {
        "editing.job.started",
        "licensing.gate.allowed",  # the gate again at start
        "assets.asset.ingested",  # the output
        "editing.job.succeeded",
    }
    assert {e.correlation_id for e in worker_events} == {CORRELATION}
    succeeded = AuditEvent.objects.get(action="editing.job.succeeded")
    assert succeeded.correlation_id == CORRELATION


def test_a_task_queued_outside_any_request_gets_an_id_of_its_own(world, broker):
    still = world.still()
    post(world, signed_in(world.coordinator), payload(still))
    job = EditJob.objects.get()

    run_edit_job.apply(args=(job.pk,))

    job.refresh_from_db()
    worker_events = AuditEvent.objects.filter(actor_type="system", occurred_at__gte=job.started_at)
    ids = set(worker_events.values_list("correlation_id", flat=True))
    assert len(ids) == 1  # one id for the worker's whole run, not one per event
