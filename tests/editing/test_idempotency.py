"""Idempotency-Key on POST /api/v1/edits/ and /api/v1/trainings/: one run per key, requester and
production, whether the key is retried or sent concurrently; the same answer every time; a key is
bound to its request body (422 otherwise) and is never shortened (400 above the limit)."""

import json
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from editing.models import EditJob, TrainingRun
from editing.services import idempotency, submit, training
from licensing.models import Consent, GateEvaluation, Grant, License
from licensing.services import consent_revoke
from studio.models import AuditEvent
from tests.editing.helpers import PROBLEM, SUBJECT, audit_rows, fields_of
from tests.factories import MembershipFactory

EDITS, TRAININGS = "/api/v1/edits/", "/api/v1/trainings/"
KEY = "take-3-boom"
LIMIT = 255
WRITERS = 8
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


def edit(asset, **overrides) -> dict:
    return {
        "production": "ALPHA",
        "operation": "remove_object",
        "inputs": [asset.pk],
        "territory": "US",
        "media": "svod",
        "mask_polygons": SUBJECT,
        "prompt": "clean sky",
        "parameters": {"steps": 2, "guidance_scale": 5.0},
        "seed": 7,
    } | overrides


def run_request(world, asset, **overrides) -> dict:
    return {
        "production": "ALPHA",
        "name": "house-style",
        "model_version": world.models["img2img"].pk,
        "assets": [asset.pk],
        "territory": "US",
        "media": "internal",
        "parameters": {"steps": 2, "resolution": 32},
        "seed": 3,
    } | overrides


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post(world, client, url, body, key=KEY):
    """POST with the key, running the after-commit hooks as a real commit would."""
    with world.commit(execute=True):
        return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def stored() -> tuple[int, int, int, int]:
    return (
        EditJob.objects.count(),
        TrainingRun.objects.count(),
        GateEvaluation.objects.count(),
        AuditEvent.objects.count(),
    )


def job_of(response) -> dict:
    """The job in a 202 body, or in a 403 problem document."""
    body = response.json()
    return body.get("job", body)


def at_once(clients, url, body) -> list[tuple[int, str, bytes]]:
    """One POST per client, all started together, each thread on its own connection."""
    answers, errors, start = [], [], threading.Barrier(len(clients))

    def send(client):
        try:
            start.wait(timeout=30)
            response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
            answers.append((response.status_code, response["Content-Type"], response.content))
        except Exception as exc:  # noqa: BLE001  (reported below, in the main thread)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return answers


@pytest.fixture
def racing(monkeypatch) -> list:
    """Every submit looks for its key before any of them inserts, so all but one insert into the
    unique constraint and read the winner's row instead; returns those re-reads as they happen."""
    looked, rereads = threading.Barrier(WRITERS), []
    replayed = idempotency.run_replayed

    def look_then_wait(*args, **kwargs):
        found = replayed(*args, **kwargs)
        looked.wait(timeout=30)
        return found

    def reread(*args, **kwargs):
        winner = replayed(*args, **kwargs)
        rereads.append(winner)
        return winner

    for service in (submit, training):
        monkeypatch.setattr(service, "run_replayed", look_then_wait)
    monkeypatch.setattr(idempotency, "run_replayed", reread)
    return rereads


# --- concurrency ----------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_submits_with_one_key_make_one_job_and_one_answer(world, queued, racing):
    still = world.still()
    clients = [signed_in(world.coordinator) for _ in range(WRITERS)]

    answers = at_once(clients, EDITS, edit(still))

    job = EditJob.objects.get()
    assert len(answers) == WRITERS
    assert {status for status, _, _ in answers} == {202}
    assert len(set(answers)) == 1
    assert json.loads(answers[0][2])["id"] == job.pk
    assert (job.idempotency_key, job.status) == (KEY, "queued")
    assert [winner.pk for winner in racing] == [job.pk] * (WRITERS - 1)
    assert queued.edits == [job.pk]
    assert len(audit_rows("editing.job.queued")) == 1
    assert GateEvaluation.objects.count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_training_submits_with_one_key_make_one_run(world, queued, racing):
    still = world.still()
    clients = [signed_in(world.coordinator) for _ in range(WRITERS)]

    answers = at_once(clients, TRAININGS, run_request(world, still))

    run = TrainingRun.objects.get()
    assert len(answers) == WRITERS
    assert {status for status, _, _ in answers} == {202}
    assert len(set(answers)) == 1
    assert json.loads(answers[0][2])["id"] == run.pk
    assert [winner.pk for winner in racing] == [run.pk] * (WRITERS - 1)
    assert queued.trainings == [run.pk]
    assert len(audit_rows("editing.training.queued")) == 1


# --- replays --------------------------------------------------------------------------------------


def test_a_replayed_accepted_submit_answers_the_same_202_and_queues_once(world, queued):
    still, client = world.still(), signed_in(world.coordinator)

    first = post(world, client, EDITS, edit(still))
    counts = stored()
    second = post(world, client, EDITS, edit(still))

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.content == second.content
    assert stored() == counts
    assert queued.edits == [first.json()["id"]]


def test_a_replayed_denied_submit_answers_the_same_403_with_the_same_reasons(world, queued):
    still, client = world.still(), signed_in(world.coordinator)
    world.person("Noor Haddad", still)

    first = post(world, client, EDITS, edit(still))
    counts = stored()
    second = post(world, client, EDITS, edit(still))

    assert (first.status_code, second.status_code) == (403, 403)
    assert second["Content-Type"].startswith(PROBLEM)
    assert first.content == second.content
    assert [r["message"] for r in second.json()["reasons"]] == [
        "No consent from Noor Haddad for digital_alteration."
    ]
    assert stored() == counts
    assert queued.edits == []
    assert len(audit_rows("editing.job.denied")) == 1


def test_a_replay_after_the_worker_denied_the_job_still_answers_202_with_the_job_now(world):
    still, client = world.still(), signed_in(world.coordinator)
    first = post(world, client, EDITS, edit(still))
    given = Consent.objects.get(person=world.maya, scope="digital_alteration")
    consent_revoke(actor=world.legal, consent=given, reason="Withdrew after the table read.")
    world.run(EditJob.objects.get())

    second = post(world, client, EDITS, edit(still))

    assert (first.status_code, second.status_code) == (202, 202), second.content
    assert second.json()["id"] == first.json()["id"]
    assert (first.json()["status"], second.json()["status"]) == ("queued", "denied")
    assert second.json()["start_decision"]["allowed"] is False


def test_the_body_is_compared_by_content_not_by_key_order(world, queued):
    still, client = world.still(), signed_in(world.coordinator)
    body = edit(still)
    reordered = dict(reversed(list(body.items())))
    reordered["parameters"] = {"guidance_scale": 5.0, "steps": 2}

    first = post(world, client, EDITS, body)
    second = post(world, client, EDITS, reordered)

    assert (first.status_code, second.status_code) == (202, 202)
    assert first.content == second.content
    assert EditJob.objects.count() == 1


# --- the key is bound to the body -----------------------------------------------------------------


def test_the_same_key_with_a_different_body_is_a_422_naming_the_key(world, queued):
    still, client = world.still(), signed_in(world.coordinator)
    first = post(world, client, EDITS, edit(still))
    counts = stored()

    second = post(world, client, EDITS, edit(still, prompt="clean sky, no boom"))

    assert first.status_code == 202
    assert second.status_code == 422, second.content
    assert second["Content-Type"].startswith(PROBLEM)
    assert fields_of(second) == {"Idempotency-Key"}
    assert KEY in second.json()["detail"]
    assert stored() == counts
    assert queued.edits == [first.json()["id"]]


def test_the_same_training_key_with_a_different_body_is_a_422(world, queued):
    still, client = world.still(), signed_in(world.coordinator)
    first = post(world, client, TRAININGS, run_request(world, still))
    counts = stored()

    second = post(world, client, TRAININGS, run_request(world, still, name="other-style"))

    assert first.status_code == 202, first.content
    assert second.status_code == 422, second.content
    assert fields_of(second) == {"Idempotency-Key"}
    assert stored() == counts
    assert queued.trainings == [first.json()["id"]]


# --- the key is scoped by production --------------------------------------------------------------


def test_the_same_key_in_another_production_is_another_key(world, queued, member, token_client):
    alpha_license = world.license
    bravo_license = License.objects.create(
        production=world.other,
        reference="BRAVO-ALL",
        title="BRAVO-ALL",
        licensor=alpha_license.licensor,
        licensee=alpha_license.licensee,
        status="active",
        starts_at=alpha_license.starts_at,
        coverage="production",
    )
    Grant.objects.create(license=bravo_license, kind="permission", action="ai_edit")
    user = member("coordinator", world.production)
    MembershipFactory(user=user, production=world.other, role="coordinator")
    client = token_client(user, [world.production, world.other], can_write=True)
    alpha, bravo = world.still(), world.still(production=world.other, cast=False)

    in_alpha = post(world, client, EDITS, edit(alpha))
    in_bravo = post(world, client, EDITS, edit(bravo, production="BRAVO"))
    alpha_again = post(world, client, EDITS, edit(alpha))

    assert (in_alpha.status_code, in_bravo.status_code) == (202, 202), in_bravo.content
    assert job_of(in_bravo)["id"] != job_of(in_alpha)["id"]
    assert (job_of(in_alpha)["production"], job_of(in_bravo)["production"]) == ("ALPHA", "BRAVO")
    assert alpha_again.content == in_alpha.content
    assert set(EditJob.objects.values_list("production__code", "idempotency_key")) == {
        ("ALPHA", KEY),
        ("BRAVO", KEY),
    }
    assert queued.edits == [job_of(in_alpha)["id"], job_of(in_bravo)["id"]]


# --- the key's length and characters --------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["k" * (LIMIT + 1), "take 3", "tête"], ids=["too-long", "space", "non-ascii"]
)
def test_a_key_over_the_limit_or_with_other_characters_is_a_400_naming_the_header(
    world, queued, key
):
    still = world.still()
    counts = stored()

    response = post(world, signed_in(world.coordinator), EDITS, edit(still), key=key)

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert fields_of(response) == {"Idempotency-Key"}
    assert stored() == counts
    assert queued.edits == []


def test_a_key_at_the_limit_is_accepted_and_stored_whole(world, queued):
    still, client = world.still(), signed_in(world.coordinator)
    key = "k" * (LIMIT - 1) + "!"

    first = post(world, client, EDITS, edit(still), key=key)
    second = post(world, client, EDITS, edit(still), key=key)

    assert (first.status_code, second.status_code) == (202, 202), first.content
    assert first.content == second.content
    assert EditJob.objects.get().idempotency_key == key
    assert queued.edits == [first.json()["id"]]
