"""The edit desk in the admin: the request page (prefill, drawn masks, bad input, refusals, the dry
run), the jobs' progress JSON and notices, the job page and cancelling from it."""

import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from editing.models import EditJob
from editing.services import edit_job_submit
from licensing.models import GateEvaluation
from studio.models import AuditEvent
from tests.editing import conftest as editing
from tests.editing.helpers import SUBJECT

REQUEST = "/admin/editing/editjob/request/"

# The editing tests' world: real stills and a clip, tiny models, footage licensed for AI edits.
one_torch_thread, isolated, queued = editing.one_torch_thread, editing.isolated, editing.queued
model_root, tiny_folders, models = editing.model_root, editing.tiny_folders, editing.models
dev_chain, samples, world = editing.dev_chain, editing.samples, editing.world


def form(asset, **extra):
    return {
        "operation": "remove_object",
        "input": asset.pk,
        "mask_source": "drawn",
        "mask_polygons": json.dumps(SUBJECT),
        "territory": "US",
        "media": "svod",
        "language": "",
        "p_remove_object_steps": "2",
        "p_remove_object_guidance_scale": "7.5",
        **extra,
    }


def audit_actions(since: int) -> list[tuple[str, str]]:
    rows = AuditEvent.objects.filter(pk__gt=since).order_by("pk")
    return [(e.action, e.actor_name) for e in rows]


def last_audit() -> int:
    latest = AuditEvent.objects.order_by("-pk").first()
    return latest.pk if latest else 0


@pytest.fixture
def desk(client, world):
    client.force_login(world.coordinator)
    return client


def test_the_request_page_opened_from_an_asset_has_it_chosen(desk, world):
    still = world.still()

    response = desk.get(f"{REQUEST}?asset={still.pk}")
    redirect = desk.get(f"/admin/editing/editjob/add/?asset={still.pk}")

    assert response.status_code == 200
    assert response.context["form"]["input"].value() == still.pk
    assert response.context["assets"][str(still.pk)]["width"] == 64
    html = response.content.decode()
    assert 'id="mask-canvas"' in html
    assert "clearcut/editdesk/request_edit.js" in html
    assert redirect["Location"] == f"{REQUEST}?asset={still.pk}"


def test_another_production_s_asset_is_not_prefilled(desk, world):
    foreign = world.still(production=world.other)

    response = desk.get(f"{REQUEST}?asset={foreign.pk}")

    assert response.context["form"]["input"].value() is None
    assert str(foreign.pk) not in response.context["assets"]


def test_a_drawn_mask_is_sent_as_polygons_through_the_audited_service(desk, world, queued):
    still = world.still()
    since = last_audit()

    with world.commit(execute=True):
        response = desk.post(REQUEST, form(still))

    job = EditJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:editing_editjob_change", args=[job.pk])
    assert job.mask_polygons == SUBJECT
    assert job.parameters["steps"] == 2
    assert (job.status, job.requested_by) == ("queued", world.coordinator.username)
    assert list(job.inputs.all()) == [still]
    assert queued.edits == [job.pk]
    actions = audit_actions(since)
    assert ("editing.job.queued", world.coordinator.username) in actions
    assert ("licensing.gate.allowed", world.coordinator.username) in actions


BAD_MASKS = {
    "empty": ("", "The drawn mask is empty"),
    "no shapes": ("[]", "The drawn mask is empty"),
    "two points": ("[[[4, 4], [20, 4]]]", "fewer than three points"),
    "outside the frame": ("[[[4, 4], [90, 4], [90, 30]]]", "outside the 64×48 frame"),
    "no area": ("[[[4, 4], [20, 4], [36, 4]]]", "must enclose an area"),
}


@pytest.mark.parametrize("case", BAD_MASKS, ids=list(BAD_MASKS))
def test_a_bad_drawn_mask_is_explained_on_the_kept_form_and_nothing_is_saved(
    desk, world, queued, case
):
    still = world.still()
    polygons, message = BAD_MASKS[case]
    since = last_audit()

    response = desk.post(REQUEST, form(still, mask_polygons=polygons, territory="FR"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(message) == 1, html
    assert response.context["form"]["territory"].value() == "FR"
    assert response.context["form"]["mask_polygons"].value() == polygons
    assert not EditJob.objects.exists()
    assert audit_actions(since) == []
    assert queued.edits == []


def test_a_frame_range_outside_the_clip_is_explained_and_nothing_is_saved(desk, world, queued):
    clip = world.clip()
    since = last_audit()

    response = desk.post(
        REQUEST,
        {
            "operation": "regrain",
            "input": clip.pk,
            "mask_source": "drawn",
            "territory": "US",
            "media": "svod",
            "frame_start": "4",
            "frame_end": "40",
        },
    )

    assert response.status_code == 200
    form_ = response.context["form"]
    assert form_.errors["frame_end"] == ["The range [4, 40) is not inside the clip's 12 frames."]
    assert response.content.decode().count("is not inside the clip") == 1
    assert form_["frame_start"].value() == "4"
    assert not EditJob.objects.exists()
    assert audit_actions(since) == []


def test_a_refused_request_shows_its_reasons_once_and_links_to_a_prefilled_clearance_request(
    desk, world, queued
):
    still = world.still(2)
    world.person("Zoe Quinn", still)  # appears in the still, has given no consent

    response = desk.post(REQUEST, form(still, territory="FR"))

    job = EditJob.objects.get()
    assert job.status == "denied"
    assert response.status_code == 200
    html = response.content.decode()
    [blocking] = [r["message"] for r in job.submit_evaluation.reasons if r["blocking"]]
    assert "Zoe Quinn" in blocking
    assert html.count(blocking) == 1
    assert html.count(f"Edit #{job.pk} was refused") == 1
    assert response.context["form"]["mask_polygons"].value() == json.dumps(SUBJECT)
    assert not list(response.context["messages"])
    assert queued.edits == []
    link = urlparse(response.context["clearance_url"])
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert link.path == reverse("admin:licensing_clearancerequest_add")
    assert query | {"purpose": ""} == {
        "production": str(world.production.pk),
        "assets": str(still.pk),
        "action": "ai_edit",
        "territory": "FR",
        "media": "svod",
        "purpose": "",
    }

    add_form = desk.get(response.context["clearance_url"]).context["adminform"].form

    assert add_form.initial["production"] == str(world.production.pk)
    assert add_form.initial["assets"] == [str(still.pk)]
    assert (add_form.initial["action"], add_form.initial["territory"]) == ("ai_edit", "FR")
    assert add_form.initial["media"] == "svod"
    assert add_form.initial["use_from"] <= timezone.now()
    assert f"Edit #{job.pk}" in add_form.initial["purpose"]


def test_the_dry_run_answers_with_the_gate_s_reasons_and_stores_nothing(desk, world):
    allowed, refused = world.still(1), world.still(2)
    world.person("Zoe Quinn", refused)
    evaluations, since = GateEvaluation.objects.count(), last_audit()
    check = reverse("admin:editing_editjob_check")

    yes = desk.post(check, form(allowed)).json()
    no = desk.post(check, form(refused)).json()
    incomplete = desk.post(check, {"operation": "remove_object"})

    assert yes["allowed"] is True
    assert no["allowed"] is False
    assert any("Zoe Quinn" in r["message"] for r in no["reasons"] if r["blocking"])
    assert incomplete.status_code == 400
    assert GateEvaluation.objects.count() == evaluations
    assert audit_actions(since) == []
    assert not EditJob.objects.exists()


def test_the_dry_run_answers_for_the_instant_the_output_will_be_used(desk, world):
    still = world.still(1)
    world.license.ends_at = timezone.now() + dt.timedelta(days=10)
    world.license.save()
    later = (timezone.now() + dt.timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S-08:00")
    check = reverse("admin:editing_editjob_check")

    now = desk.post(check, form(still)).json()
    then = desk.post(check, form(still) | {"at": later}).json()

    assert now["allowed"] is True
    assert [r["code"] for r in then["reasons"] if r["blocking"]] == ["license_expired"]
    assert then["request"]["at"].endswith("-08:00")


def test_progress_is_scoped_to_the_user_s_productions(desk, world):
    mine = world.submit("regrain", world.still())
    theirs = edit_job_submit(
        actor=world.superuser,
        production=world.other,
        operation="regrain",
        inputs=[world.still(production=world.other)],
        territory="US",
        media="svod",
    )
    EditJob.objects.filter(pk=mine.pk).update(progress_percent=40, progress_stage="editing")

    own = desk.get(reverse("admin:editing_editjob_progress", args=[mine.pk]))
    other = desk.get(reverse("admin:editing_editjob_progress", args=[theirs.pk]))
    listed = desk.get(
        reverse("admin:editing_editjob_progress_list") + f"?ids={mine.pk},{theirs.pk}"
    ).json()
    page = desk.get(reverse("admin:editing_editjob_change", args=[theirs.pk]))

    assert own.status_code == 200
    assert own.json() | {"color": None, "url": None} == {
        "id": mine.pk,
        "status": "queued",
        "status_label": "Queued",
        "percent": 40,
        "stage": "editing",
        "finished": False,
        "cancellable": True,
        "error": "",
        "output": None,
        "color": None,
        "url": None,
    }
    assert other.status_code == 404
    assert [job["id"] for job in listed["jobs"]] == [mine.pk]
    assert page.status_code == 404


def test_cancel_from_the_job_page_goes_through_the_audited_service(desk, world):
    job = world.submit("regrain", world.still())
    since = last_audit()

    page = desk.get(reverse("admin:editing_editjob_change", args=[job.pk])).content.decode()
    response = desk.post(reverse("admin:editing_editjob_cancel", args=[job.pk]))

    assert 'id="cancel-form"' in page
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert audit_actions(since) == [("editing.job.cancel_requested", world.coordinator.username)]


def test_a_viewer_cannot_cancel_and_is_told_why(client, world, member):
    job = world.submit("regrain", world.still())
    viewer = member("viewer", world.production, username="vic-viewer")
    client.force_login(viewer)
    since = last_audit()

    page = client.get(reverse("admin:editing_editjob_change", args=[job.pk])).content.decode()
    response = client.post(reverse("admin:editing_editjob_cancel", args=[job.pk]), follow=True)

    assert 'id="cancel-form"' not in page
    refusal = "Only coordinators, integrations and legal staff of ALPHA can make this change."
    assert refusal in response.content.decode()
    job.refresh_from_db()
    assert job.status == "queued"
    assert audit_actions(since) == []


def test_a_denied_job_s_page_shows_its_decision_to_every_role_that_sees_the_job(
    client, world, member
):
    still = world.still(2)
    world.person("Zoe Quinn", still)
    job = world.submit("remove_object", still, mask_polygons=SUBJECT)
    viewer = member("viewer", world.production, username="vic-viewer")
    page = reverse("admin:editing_editjob_change", args=[job.pk])
    log = reverse("admin:licensing_gateevaluation_change", args=[job.submit_evaluation_id])

    graph = reverse("provenance-job", args=[job.pk])
    for user, sees_log in ((viewer, False), (world.coordinator, False), (world.legal, True)):
        client.force_login(user)
        html = client.get(page).content.decode()
        assert html.count("Zoe Quinn") == 1, user
        assert (log in html) is sees_log, user
        assert (graph in html) is sees_log, user  # the provenance graph is legal's read side
    assert client.get(log).status_code == 200  # legal's decision log; others are never sent there
    assert client.get(graph).status_code == 200


def test_the_job_list_shows_input_status_with_progress_and_the_time_to_the_second(desk, world):
    still = world.still()
    job = world.submit("regrain", still)

    html = desk.get(reverse("admin:editing_editjob_changelist")).content.decode()

    assert f'data-job-id="{job.pk}" data-live="1"' in html
    assert reverse("admin:assets_asset_change", args=[still.pk]) in html
    assert timezone.localtime(job.created_at).strftime("%Y-%m-%d %H:%M:%S") in html
    assert "clearcut/editdesk/jobs.js" in html


def test_my_jobs_that_ran_and_finished_are_reported_once_since_the_last_answer(desk, world):
    finished = reverse("admin:editing_editjob_finished")
    first = desk.get(finished).json()
    mine = world.submit("regrain", world.still())
    world.submit("regrain", world.still(2), actor=world.legal)
    now = timezone.now()
    EditJob.objects.update(status="succeeded", started_at=now, finished_at=now)
    refused = world.still(3)
    world.person("Zoe Quinn", refused)
    assert world.submit("remove_object", refused, mask_polygons=SUBJECT).status == "denied"

    second = desk.get(finished, {"since": first["now"]}).json()
    third = desk.get(finished, {"since": second["now"]}).json()
    stale = (timezone.now() - dt.timedelta(days=2)).isoformat()

    assert first["jobs"] == []
    assert [(j["id"], j["status"]) for j in second["jobs"]] == [(mine.pk, "succeeded")]
    assert third["jobs"] == []
    assert desk.get(finished, {"since": stale}).json()["jobs"] == []
