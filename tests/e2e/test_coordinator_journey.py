"""Journey 1, in a real browser, in one run: a coordinator uploads two stills with the person in
them, opens a still's page (the picture, the people), asks whether it may be used for SVOD in France,
requests remove_object with a mask drawn on the frame, follows the job without reloading, sees the
output with Trusted credentials before/after, and files a clearance request from a refused edit.
Each step leaves a full-page screenshot under var/test/screenshots/<test>/ (the folder is printed)."""

import pytest

from assets.models import Asset, Person
from assets.services import asset_make_derivatives
from editing.models import EditJob
from licensing.models import ClearanceRequest
from tests.e2e import test_coordinator_edits as edits
from tests.e2e.test_coordinator_edits import click_at, fits_the_window, run_in_background, sign_in

# The fixtures of the edit journeys: the editing tests' world (stills, tiny models, footage licensed
# for AI edits, Maya who consents), a browser page, numbered screenshots, slow progress reports.
one_torch_thread, isolated, queued = edits.one_torch_thread, edits.isolated, edits.queued
model_root, tiny_folders, models = edits.model_root, edits.tiny_folders, edits.models
dev_chain, samples, world = edits.dev_chain, edits.samples, edits.world
browser_page, shots, coordinator = edits.browser_page, edits.shots, edits.coordinator
slow_progress = edits.slow_progress


def _upload(page, base, people, files, shots) -> list[Asset]:
    page.goto(f"{base}/admin/assets/asset/upload/")
    for person in people:
        page.check(f"input[name=people][value='{person.pk}']")
    page.set_input_files("input[type=file]", [str(f) for f in files])
    shots("upload-form")
    page.click("input[type=submit]")
    page.wait_for_selector(".cc-upload-summary p", timeout=30_000)
    assert f"{len(files)} of {len(files)} files uploaded" in page.inner_text(".cc-upload-summary")
    shots("uploaded")
    uploaded = list(Asset.objects.filter(kind="image").order_by("original_filename"))
    for asset in uploaded:  # the CPU worker's part: thumbnails and proxies
        asset_make_derivatives(asset_id=asset.pk)
    return uploaded


def _can_i_use(page, shots) -> None:
    page.select_option(".cc-check select[name=action]", "ai_edit")
    page.fill(".cc-check input[name=territory]", "FR")
    page.select_option(".cc-check select[name=media]", "svod")
    page.click(".cc-check button[type=submit]")
    page.wait_for_selector(".cc-verdict")
    answer = page.inner_text(".cc-answer")
    shots("can-i-use-fr-svod")
    assert answer.startswith("Allowed"), answer
    assert "ALPHA-ALL" in answer


def _mask_and_follow(page, base, still, shots) -> EditJob:
    page.click("a:text('Request an edit')")
    page.wait_for_url(f"{base}/admin/editing/editjob/request/?asset={still.pk}*")
    page.select_option("#id_operation", "remove_object")
    page.wait_for_function("document.getElementById('frame-image').complete")
    click_at(page, "#mask-canvas", (0.2, 0.2), (0.7, 0.25), (0.65, 0.75), (0.25, 0.7), (0.2, 0.2))
    drawn = page.eval_on_selector("#id_mask_polygons", "e => JSON.parse(e.value)")
    assert len(drawn) == 1
    assert len(drawn[0]) == 4
    shots("mask-drawn")
    page.click("input[type=submit][value='Request the edit']")
    page.wait_for_selector("#job-detail")
    job = EditJob.objects.get()
    assert (job.status, job.mask_polygons) == ("queued", drawn)
    page.evaluate("window.stillTheSamePage = true")
    shots("job-queued")

    thread = run_in_background(job.pk)
    page.wait_for_function(
        "(() => { const p = document.querySelector('#job-detail .cc-progress');"
        " return p && p.value > 0 && p.value < 100; })()",
        timeout=30_000,
    )
    shots("job-running")
    page.wait_for_selector("#output-credentials", timeout=60_000)
    thread.join(timeout=60)
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.inner_text("#output-credentials") == "Trusted"
    assert page.is_visible(".cc-compare .cc-after img")
    shots("before-after")
    return job


def _refused_then_clearance(page, base, refused, coordinator, shots) -> None:
    page.goto(f"{base}/admin/editing/editjob/request/?asset={refused.pk}")
    page.select_option("#id_operation", "remove_object")
    page.wait_for_function("document.getElementById('frame-image').complete")
    click_at(page, "#mask-canvas", (0.3, 0.3), (0.7, 0.3), (0.5, 0.8), (0.3, 0.3))
    page.click("input[type=submit][value='Request the edit']")
    page.wait_for_selector("#refusal")
    assert page.locator("#refusal").count() == 1
    assert page.content().count("Zoe Quinn") == 1
    shots("refused")
    page.click("#clearance-link")
    page.wait_for_selector("#clearancerequest_form")
    shots("clearance-prefilled")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    request = ClearanceRequest.objects.get()
    assert list(request.assets.all()) == [refused]
    assert (request.requested_by, request.action) == (coordinator.username, "ai_edit")
    shots("clearance-requested")


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_uploads_checks_edits_and_asks_for_clearance(
    live_server, browser_page, shots, world, coordinator, slow_progress
):
    page, base = browser_page, live_server.url
    zoe = Person.objects.create(name="Zoe Quinn")  # on the show, has given no consent
    zoe.productions.set([world.production])
    sign_in(page, base, coordinator)

    # Two stills uploaded with Maya in them.
    files = [world.samples / "still1.png", world.samples / "still2.png"]
    still, other = _upload(page, base, [world.maya], files, shots)
    assert [a.appearances.get().person for a in (still, other)] == [world.maya, world.maya]

    # The still's page: the picture and the people in it; may it be used for SVOD in France?
    page.goto(f"{base}/admin/assets/asset/{still.pk}/change/")
    page.wait_for_function("document.querySelector('img.cc-image').naturalWidth > 0")
    assert "Maya Ortiz" in page.inner_text("#people")
    assert fits_the_window(page)
    shots("still-page")
    _can_i_use(page, shots)

    # remove_object with a drawn mask, followed to its Trusted output, before and after.
    _mask_and_follow(page, base, still, shots)

    # Zoe is in the other still (added on its page); editing it is refused for want of her
    # consent, and the refusal becomes a clearance request.
    page.goto(f"{base}/admin/assets/asset/{other.pk}/change/")
    page.select_option("#id_new-person", str(zoe.pk))
    page.click("button[form='ap-new']")
    page.wait_for_selector(".messagelist li")
    shots("zoe-added")
    _refused_then_clearance(page, base, other, coordinator, shots)
