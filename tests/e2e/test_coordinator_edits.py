"""In a real browser: a coordinator requests an edit of a frame range chosen on a clip's player. The
fixtures and steps here also serve journey 1 (test_coordinator_journey.py: a mask drawn on a still,
the job followed to its output, a clearance request from a refusal). Each step leaves a full-page
screenshot under var/test/screenshots/<test>/."""

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
