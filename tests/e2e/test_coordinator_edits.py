"""In a real browser: a coordinator requests edits from the admin — a mask drawn on a still, a frame
range chosen on a clip's player — follows a job to its output, and files a clearance request from a
refusal. Each step leaves a full-page screenshot under var/test/screenshots/<test>/."""

import shutil
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from assets.models import Asset
from assets.services import asset_make_derivatives
from editing.models import EditJob
from editing.services import edit_job_execute
from editing.services import progress as progress_module
from licensing.models import ClearanceRequest
from tests.e2e.conftest import WINDOW
from tests.editing import conftest as editing

PASSWORD = "a long demo password"

# The editing tests' world: real stills and a clip, tiny models, footage licensed for AI edits.
one_torch_thread, isolated, queued = editing.one_torch_thread, editing.isolated, editing.queued
model_root, tiny_folders, models = editing.model_root, editing.tiny_folders, editing.models
dev_chain, samples, world = editing.dev_chain, editing.samples, editing.world


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page(viewport=WINDOW)


class Shots:
    """Numbered full-page screenshots of one test's steps."""

    def __init__(self, page, name: str):
        self.page, self.count = page, 0
        self.folder = Path(django_settings.BASE_DIR) / "var" / "test" / "screenshots" / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        print(f"screenshots: {self.folder}")

    def __call__(self, step: str) -> None:
        self.count += 1
        self.page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)


@pytest.fixture
def shots(browser_page, request):
    return Shots(browser_page, request.node.name)


@pytest.fixture
def coordinator(world):
    user = world.coordinator
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(page, base: str, user) -> None:
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def with_derivatives(asset):
    """What the CPU worker does after ingest: the thumbnail and the proxy the pages show."""
    return asset_make_derivatives(asset_id=asset.pk)


def click_at(page, selector: str, *fractions: tuple[float, float]) -> None:
    box = page.locator(selector).bounding_box()
    for fx, fy in fractions:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def run_in_background(job_id: int) -> threading.Thread:
    """The GPU worker's part, in a thread: execute the job (each progress report takes a little
    while, so the page can be seen following it), then make the output's thumbnail and proxy."""

    def work():
        try:
            job = edit_job_execute(job_id=job_id, worker="e2e-thread")
            if job.output_id:
                asset_make_derivatives(asset_id=job.output_id)
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def slow_progress(settings, monkeypatch):
    settings.EDITING_PROGRESS_INTERVAL_SECONDS = 0
    report = progress_module.Progress.report

    def slowly(self, stage, fraction, *, force=False):
        time.sleep(0.12)
        return report(self, stage, fraction, force=force)

    monkeypatch.setattr(progress_module.Progress, "report", slowly)


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_masks_a_still_follows_the_job_and_files_clearance_for_a_refusal(
    live_server, browser_page, shots, world, coordinator, slow_progress
):
    still = with_derivatives(world.still(1))
    refused = with_derivatives(world.still(2))
    world.person("Zoe Quinn", refused)  # appears in the second still, has given no consent
    page, base = browser_page, live_server.url
    sign_in(page, base, coordinator)

    # The request page, opened from the still: the still is chosen and shown under the canvas.
    page.goto(f"{base}/admin/editing/editjob/request/?asset={still.pk}")
    page.select_option("#id_operation", "remove_object")
    page.wait_for_function("document.getElementById('frame-image').complete")
    assert page.is_visible("#mask-tools")
    assert not page.is_visible("#player")
    shots("request-page")

    # A polygon drawn on the frame, closed on its first point.
    click_at(page, "#mask-canvas", (0.2, 0.2), (0.7, 0.25), (0.65, 0.75), (0.25, 0.7), (0.2, 0.2))
    drawn = page.eval_on_selector("#id_mask_polygons", "e => JSON.parse(e.value)")
    assert len(drawn) == 1
    assert len(drawn[0]) == 4
    assert all(0 <= x <= 64 and 0 <= y <= 48 for x, y in drawn[0])
    shots("mask-drawn")

    # The dry run answers before anything is requested.
    page.click("#check-rights")
    page.wait_for_selector("#check-result.cc-allowed")
    assert "Allowed" in page.inner_text("#check-result")
    shots("dry-run-allowed")

    # Requested: the job's page, queued.
    page.click("input[type=submit][value='Request the edit']")
    page.wait_for_selector("#job-detail")
    job = EditJob.objects.get()
    assert (job.status, job.mask_polygons) == ("queued", drawn)
    page.evaluate("window.stillTheSamePage = true")
    shots("job-queued")

    # The worker runs it; the page follows without a reload.
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
    page.wait_for_selector(".cc-notice", timeout=15_000)
    assert f"Edit #{job.pk}" in page.inner_text(".cc-notice")
    shots("before-after")
    page.click("[data-view=side]")
    shots("side-by-side")

    # A refused request: brush strokes this time; the reasons once, and a way to ask for clearance.
    page.goto(f"{base}/admin/editing/editjob/request/?asset={refused.pk}")
    page.select_option("#id_operation", "remove_object")
    page.click("[data-tool=brush]")
    box = page.locator("#mask-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.mouse.down()
    for step in range(12):
        page.mouse.move(
            box["x"] + box["width"] * (0.3 + step * 0.03), box["y"] + box["height"] * 0.45
        )
    page.mouse.up()
    assert len(page.eval_on_selector("#id_mask_polygons", "e => JSON.parse(e.value)")) > 3
    shots("brush-drawn")
    page.click("input[type=submit][value='Request the edit']")
    page.wait_for_selector("#refusal")
    assert page.locator("#refusal").count() == 1
    assert page.content().count("Zoe Quinn") == 1
    assert page.locator("ul.messagelist li").count() == 0
    shots("refused")

    page.click("#clearance-link")
    page.wait_for_selector("#clearancerequest_form")
    assert page.input_value("#id_territory") == "US"
    shots("clearance-prefilled")
    page.click("input[name=_save]")
    page.wait_for_selector("ul.messagelist")
    request = ClearanceRequest.objects.get()
    assert list(request.assets.all()) == [refused]
    assert (request.requested_by, request.action) == (coordinator.username, "ai_edit")
    shots("clearance-requested")

    # The list of both jobs fits the window.
    page.goto(f"{base}/admin/editing/editjob/")
    assert page.locator("#result_list tbody tr").count() == 2
    assert fits_the_window(page)
    shots("job-list")


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_chooses_a_frame_range_on_a_clip_s_player(
    live_server, browser_page, shots, world, coordinator
):
    clip = with_derivatives(world.clip())
    # Before its proxy is made, the page plays the original (served whole: no byte ranges here).
    Asset.objects.filter(pk=clip.pk).update(proxy_key="")
    page, base = browser_page, live_server.url
    sign_in(page, base, coordinator)

    page.goto(f"{base}/admin/editing/editjob/request/?asset={clip.pk}")
    page.select_option("#id_operation", "remove_object")
    page.wait_for_function("document.getElementById('frame-video').readyState >= 2")
    assert page.is_visible("#player")
    assert page.is_visible("#range-fields")
    shots("clip-request-page")

    for _ in range(3):
        page.click("#frame-next")
        page.wait_for_timeout(150)
    page.wait_for_function(
        "document.getElementById('frame-now').textContent.startsWith('frame 3 ')"
    )
    page.click("#set-in")
    page.locator("#frame-scrub").fill("8")
    page.wait_for_function(
        "document.getElementById('frame-now').textContent.startsWith('frame 8 ')"
    )
    page.click("#set-out")
    assert (page.input_value("#id_frame_start"), page.input_value("#id_frame_end")) == ("3", "9")
    click_at(page, "#mask-canvas", (0.3, 0.3), (0.7, 0.3), (0.5, 0.8))
    page.click("#mask-close")
    shots("range-and-mask")

    page.click("input[type=submit][value='Request the edit']")
    page.wait_for_selector("#job-detail")
    job = EditJob.objects.get()
    assert (job.parameters["frame_start"], job.parameters["frame_end"]) == (3, 9)
    assert job.status == "queued"
    assert "3 to 8" in page.inner_text(".cc-facts")
    shots("clip-job")
