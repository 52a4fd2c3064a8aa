"""POST /api/v1/edits/: 202 with a queued job, or 403 with the gate's reasons and the denied job;
idempotency keys, progress, cancel and recall, and one permission matrix."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from editing.models import EditJob
from editing.services import edit_job_cancel
from licensing.models import Consent
from licensing.services import consent_revoke
from studio.models import AuditEvent
from tests.editing.helpers import PROBLEM, SUBJECT, audit_rows, fields_of

URL = "/api/v1/edits/"


def payload(asset, **overrides) -> dict:
    return {
        "production": "ALPHA",
        "operation": "remove_object",
        "inputs": [asset.pk],
        "territory": "US",
        "media": "svod",
        "mask_polygons": SUBJECT,
        "prompt": "clean sky",
        "parameters": {"steps": 2},
        "seed": 7,
    } | overrides


def post(world, client, body, **headers):
    """POST an edit, running the after-commit hooks as a real commit would."""
    with world.commit(execute=True):
        return client.post(URL, body, format="json", **headers)


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- submit ---------------------------------------------------------------------------------------


def test_a_coordinator_submits_an_edit_and_gets_202_with_a_queued_job(world, queued):
    still = world.still()
    events_before = AuditEvent.objects.count()

    response = post(world, signed_in(world.coordinator), payload(still))

    assert response.status_code == 202, response.content
    body = response.json()
    job = EditJob.objects.get()
    assert (body["id"], body["status"], body["operation"]) == (job.pk, "queued", "remove_object")
    assert body["inputs"] == [still.pk]
    assert body["submit_decision"]["allowed"] is True
    assert queued.edits == [job.pk]
    [event] = audit_rows("editing.job.queued")
    assert (event.actor_type, event.actor_id, event.target_id) == (
        "user",
        world.coordinator.pk,
        str(job.pk),
    )
    new_events = AuditEvent.objects.order_by("id")[events_before:]
    assert [(e.action, e.actor_id) for e in new_events] == [
        ("licensing.gate.allowed", world.coordinator.pk),
        ("editing.job.queued", world.coordinator.pk),
    ]


def test_an_edit_of_footage_with_an_unconsenting_person_is_denied_with_reasons(world, queued):
    still = world.still()
    world.person("Noor Haddad", still)

    response = post(world, signed_in(world.coordinator), payload(still))

    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    messages = [r["message"] for r in body["reasons"]]
    assert messages == ["No consent from Noor Haddad for digital_alteration."]
    assert all(r["blocking"] for r in body["reasons"])
    job = EditJob.objects.get()
    assert (body["job"]["id"], body["job"]["status"]) == (job.pk, "denied")
    assert (job.status, job.queued_at) == ("denied", None)
    assert "Noor Haddad" in job.error
    assert queued.edits == []
    [event] = audit_rows("editing.job.denied")
    assert event.actor_id == world.coordinator.pk
    assert audit_rows("editing.job.queued") == []


def test_an_edit_after_the_consent_is_revoked_is_denied_and_never_queued(world, queued):
    still = world.still()
    given = Consent.objects.get(person=world.maya, scope="digital_alteration")
    consent_revoke(actor=world.legal, consent=given, reason="Withdrew after the table read.")

    response = post(world, signed_in(world.coordinator), payload(still))

    assert response.status_code == 403, response.content
    [reason] = response.json()["reasons"]
    assert reason["code"] == "consent_revoked"
    assert reason["message"].startswith("Consent of Maya Ortiz for digital_alteration revoked at")
    assert EditJob.objects.get().status == "denied"
    assert queued.edits == []


def test_the_same_idempotency_key_twice_returns_the_same_job(world, queued, member):
    still = world.still()
    client = signed_in(world.coordinator)

    first = post(world, client, payload(still), HTTP_IDEMPOTENCY_KEY="take-3-boom")
    second = post(world, client, payload(still), HTTP_IDEMPOTENCY_KEY="take-3-boom")

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["id"] == second.json()["id"]
    assert EditJob.objects.count() == 1
    assert queued.edits == [first.json()["id"]]
    assert len(audit_rows("editing.job.queued")) == 1
    someone_else = signed_in(member("coordinator", world.production))
    third = post(world, someone_else, payload(still), HTTP_IDEMPOTENCY_KEY="take-3-boom")
    assert third.json()["id"] != first.json()["id"]


def test_the_job_shows_its_progress_before_and_after_it_runs(world):
    still = world.still()
    client = signed_in(world.coordinator)
    job_id = post(
        world,
        client,
        payload(still, operation="regrain", mask_polygons=[], prompt="", parameters={}),
    ).json()["id"]

    before = client.get(f"{URL}{job_id}/").json()
    world.run(EditJob.objects.get(pk=job_id))
    after = client.get(f"{URL}{job_id}/").json()

    assert (before["status"], before["progress_percent"], before["progress_stage"]) == (
        "queued",
        0,
        "",
    )
    assert before["output_url"] is None
    assert (after["status"], after["progress_percent"], after["progress_stage"]) == (
        "succeeded",
        100,
        "done",
    )
    assert after["output_url"].endswith(f"/api/v1/assets/{after['output']}/")
    assert after["start_decision"]["allowed"] is True
    assert after["attempts"] == 1


def test_a_queued_job_is_cancelled_once_then_it_is_a_conflict(world):
    job = world.submit("regrain", world.still())
    client = signed_in(world.coordinator)

    first = client.post(f"{URL}{job.pk}/cancel/")
    second = client.post(f"{URL}{job.pk}/cancel/")

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "cancelled"
    assert second.status_code == 409
    assert second["Content-Type"].startswith(PROBLEM)
    [event] = audit_rows("editing.job.cancel_requested")
    assert event.actor_id == world.coordinator.pk
    job = world.run(job)
    assert (job.status, job.output_id) == ("cancelled", None)


def test_recalling_a_finished_job_makes_a_new_job_that_points_back(world, queued):
    job = world.run(world.submit("regrain", world.still(), parameters={"amount": 0.1}))
    client = signed_in(world.coordinator)

    with world.commit(execute=True):
        response = client.post(f"{URL}{job.pk}/recall/")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["id"] != job.pk
    assert (body["recalled_from"], body["status"], body["seed"]) == (job.pk, "queued", job.seed)
    assert body["parameters"] == job.parameters
    assert queued.edits[-1] == body["id"]


def test_recalling_an_unfinished_job_is_a_conflict(world):
    job = world.submit("regrain", world.still())

    response = signed_in(world.coordinator).post(f"{URL}{job.pk}/recall/")

    assert response.status_code == 409
    assert EditJob.objects.count() == 1


def test_a_viewer_may_not_recall_a_job_whatever_its_state(world, member):
    """The role is checked before the job's state: a viewer learns nothing from a 409."""
    unfinished = world.submit("regrain", world.still())
    viewer = signed_in(member("viewer", world.production))

    response = viewer.post(f"{URL}{unfinished.pk}/recall/")

    assert response.status_code == 403, response.content
    assert EditJob.objects.count() == 1


def test_an_asset_of_another_production_is_not_found_for_the_caller(world, queued):
    foreign = world.still(production=world.other, cast=False)

    response = post(world, signed_in(world.coordinator), payload(foreign))

    assert response.status_code == 400
    assert "inputs" in fields_of(response)
    assert str(foreign.pk) in response.content.decode()
    assert EditJob.objects.count() == 0
    assert queued.edits == []


# --- one permission matrix ------------------------------------------------------------------------


@pytest.fixture
def who(world, member, token_client, other_production):
    """who("role@own" | "role@other" | "anonymous" | "role-token[-readonly]@own") -> (client, user)."""

    def _who(spec):
        if spec == "anonymous":
            return APIClient(), None
        role, where = spec.split("@")
        production = world.production if where == "own" else other_production
        user = member(role.split("-")[0], production)
        if "-token" in role:
            writes = not role.endswith("readonly")
            return token_client(user, [production], can_write=writes), user
        return signed_in(user), user

    return _who


MATRIX = [
    ("anonymous", "create", 401),
    ("anonymous", "list", 401),
    ("anonymous", "cancel", 401),
    ("viewer@own", "list", 200),
    ("viewer@own", "detail", 200),
    ("viewer@own", "create", 403),  # a viewer sees ALPHA but may not request edits there
    ("viewer@own", "cancel", 403),
    ("viewer@own", "recall", 403),
    ("coordinator@other", "detail", 404),
    ("coordinator@other", "create", 400),
    ("coordinator@other", "cancel", 404),
    ("coordinator@other", "recall", 404),
    ("coordinator-token-readonly@own", "detail", 200),
    ("coordinator-token-readonly@own", "create", 403),
    ("coordinator-token-readonly@own", "cancel", 403),
    ("integration-token@own", "create", 202),
    ("coordinator@own", "create", 202),
    ("coordinator@own", "cancel", 200),
    ("coordinator@own", "recall", 202),
    ("legal@own", "create", 202),
]
WRITES = {
    "create": "editing.job.queued",
    "cancel": "editing.job.cancel_requested",
    "recall": "editing.job.queued",
}


@pytest.mark.parametrize(("spec", "operation", "expected"), MATRIX)
def test_edit_permission_matrix(world, who, queued, spec, operation, expected):
    still = world.still()
    queued_job = world.submit("regrain", still)
    finished = world.submit("regrain", still)
    edit_job_cancel(actor=world.coordinator, job=finished)
    client, user = who(spec)
    calls = {
        "create": lambda: post(world, client, payload(still)),
        "list": lambda: client.get(URL),
        "detail": lambda: client.get(f"{URL}{queued_job.pk}/"),
        "cancel": lambda: client.post(f"{URL}{queued_job.pk}/cancel/"),
        "recall": lambda: post_recall(world, client, finished),
    }
    jobs_before, events_before = EditJob.objects.count(), AuditEvent.objects.count()
    queued.edits.clear()

    response = calls[operation]()

    assert response.status_code == expected, response.content
    new_events = list(AuditEvent.objects.order_by("id")[events_before:])
    if operation in WRITES and expected < 300:
        assert {e.actor_id for e in new_events} == {user.pk}
        assert [e.action for e in new_events if e.action.startswith("editing.")] == [
            WRITES[operation]
        ]
    else:
        assert new_events == []
        assert EditJob.objects.count() == jobs_before
        assert queued.edits == []
    if expected >= 400:
        assert response["Content-Type"].startswith(PROBLEM)
        assert response.json()["status"] == expected
    if operation == "list" and expected == 200:
        assert {row["id"] for row in response.json()["results"]} == {queued_job.pk, finished.pk}


def post_recall(world, client, job):
    with world.commit(execute=True):
        return client.post(f"{URL}{job.pk}/recall/")


# --- the intended use's instant -------------------------------------------------------------------


def test_an_edit_for_after_the_license_ends_is_denied_as_its_dry_run_is(world, queued):
    still = world.still()
    world.license.ends_at = timezone.now() + dt.timedelta(days=10)
    world.license.save()
    later = (timezone.now() + dt.timedelta(days=20)).replace(microsecond=0)
    when = later.astimezone(dt.timezone(dt.timedelta(hours=-8))).isoformat()
    client = signed_in(world.coordinator)
    dry = client.post(
        "/api/v1/clearance/check",
        {
            "production": "ALPHA",
            "action": "ai_edit",
            "assets": [still.pk],
            "territory": "US",
            "media": "svod",
            "at": when,
        },
        format="json",
    ).json()

    response = post(world, client, payload(still, at=when))

    assert response.status_code == 403, response.content
    body = response.json()
    job = EditJob.objects.get()
    assert job.intended_use_at == later
    assert [(r["code"], r["license"]) for r in body["reasons"]] == [
        ("license_expired", world.license.pk)
    ]
    assert [r["code"] for r in dry["reasons"] if r["blocking"]] == ["license_expired"]
    assert body["reasons"][0]["message"] == dry["reasons"][0]["message"]
    assert "-08:00" in body["reasons"][0]["limit"]
    assert queued.edits == []


def test_an_edit_without_an_instant_is_gated_for_now_and_says_so(world, queued):
    before = timezone.now()

    response = post(world, signed_in(world.coordinator), payload(world.still()))

    assert response.status_code == 202, response.content
    echoed = dt.datetime.fromisoformat(response.json()["at"])
    assert before <= echoed <= timezone.now()


def test_a_training_names_its_territory_and_media(world, queued):
    body = {
        "production": "ALPHA",
        "name": "house-style",
        "model_version": world.models["img2img"].pk,
        "assets": [world.still().pk],
    }

    response = signed_in(world.coordinator).post("/api/v1/trainings/", body, format="json")

    assert response.status_code == 400, response.content
    assert fields_of(response) == {"territory", "media"}


def test_a_submit_tells_the_gate_what_it_wrote_instead_of_reading_it_back(world, queued):
    still = world.still()

    with CaptureQueriesContext(connection) as queries:
        job = world.submit("regrain", still)

    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if "editing_editjob_inputs" in sql]
    assert not [sql for sql in reads if sql.startswith('SELECT "studio_production"')]
    assert job.status == "queued"
    assert list(job.inputs.values_list("pk", flat=True)) == [still.pk]
    assert job.submit_evaluation.request["asset_ids"] == [still.pk]
    assert job.submit_evaluation.production_id == world.production.pk
    [event] = audit_rows("editing.job.queued")
    assert event.after["inputs"] == [still.pk]
