"""In a real browser: a coordinator finds footage in a list that fits the window and plays a clip
frame by frame, marking who is in it from a frame on. (Uploading stills, their page and the rights
question are journey 1: test_coordinator_journey.py.)"""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from assets import services
from assets.models import Person
from assets.synthetic import make_clip
from licensing.models import Grant, License, Party
from studio import queues
from tests.e2e.conftest import WINDOW

PASSWORD = "a long demo password"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"
LONG_NAME = "A001_C012_20261202_sc14_take-12_wide_graded_director-notes_v3.mp4"


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page(viewport=WINDOW, timezone_id="Europe/Paris")


@pytest.fixture
def storage(settings, tmp_path):
    root, spool = tmp_path / "media", tmp_path / "spool"
    root.mkdir()
    spool.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = spool
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)


@pytest.fixture
def worker(monkeypatch):
    """Thumbnails and proxies are made as soon as an ingest commits, as a CPU worker would."""

    def publish(task_name, args, **kwargs):
        if task_name == "assets.make_derivatives":
            services.asset_make_derivatives(asset_id=args[0])

    monkeypatch.setattr(queues, "publish", publish)


@pytest.fixture
def shots(request, capsys):
    folder = SHOTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with capsys.disabled():
        print(f"\nscreenshots: {folder}")
    count = iter(range(1, 100))

    def shoot(page, step: str) -> Path:
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        path = folder / f"{next(count):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def desk(production, member, storage, worker, tmp_path):
    """A coordinator with a password, two people on the show, a licence for SVOD in France, and a
    two-second clip with its proxy."""
    coordinator = member("coordinator", production, username="cora")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    people = []
    for name in ("Maya Ortiz", "Leo Brandt"):
        person = Person.objects.create(name=name)
        person.productions.set([production])
        people.append(person)
    stock, studio = Party.objects.create(name="StockCo"), Party.objects.create(name="Studio")
    licence = License.objects.create(
        production=production,
        reference="L-SVOD-FR",
        title="SVOD in France",
        licensor=stock,
        licensee=studio,
        status="active",
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        coverage="production",
    )
    Grant.objects.create(
        license=licence, kind="permission", action="distribute", territory_include=["FR"]
    )
    Grant.objects.filter(license=licence).update(media=["svod"])
    clip_path = make_clip(tmp_path / LONG_NAME, seconds=2.0, fps=24, size=(640, 360))
    clip = services.asset_ingest(
        actor=coordinator, production=production, source=clip_path, filename=clip_path.name
    ).asset
    services.asset_make_derivatives(asset_id=clip.pk)
    return {"user": coordinator, "people": people, "clip": clip}


def _sign_in(page, url, user):
    page.goto(f"{url}/admin/login/?next=/admin/assets/asset/upload/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/assets/asset/upload/")


def _fits_the_window(page) -> list[str]:
    """What is wider than the window or than its own box (a table scrolling inside its frame)."""
    return page.evaluate(
        """() => {
          const wide = [];
          if (document.documentElement.scrollWidth > window.innerWidth) wide.push("page");
          document.querySelectorAll("#content .results, #content .module, #content table")
            .forEach(el => {
              if (el.scrollWidth > el.clientWidth + 1)
                wide.push(`${el.className || el.tagName} ${el.scrollWidth}>${el.clientWidth}`);
            });
          return wide;
        }"""
    )


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_finds_footage_in_a_list_that_fits_and_steps_through_a_clip(
    live_server, browser_page, desk, shots
):
    page, url = browser_page, live_server.url
    maya = desk["people"][0]
    _sign_in(page, url, desk["user"])

    # The list fits the window, long camera file names included
    page.goto(f"{url}/admin/assets/asset/")
    shots(page, "asset-list")
    assert _fits_the_window(page) == []

    # A clip's page: the proxy is as long as the clip, and seeking moves the timecode
    clip = desk["clip"]
    page.goto(f"{url}/admin/assets/asset/{clip.pk}/change/")
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    duration = page.evaluate("document.querySelector('video').duration")
    shots(page, "clip-page")
    assert duration == pytest.approx(clip.duration_seconds, abs=1 / 24)

    for _ in range(3):
        page.click("button[data-step='1']")
    page.wait_for_function("document.querySelector('.cc-timecode').textContent === '00:00:00:03'")
    page.evaluate(
        "const v = document.querySelector('video'); v.currentTime = 1.5;"
        "new Promise(r => v.addEventListener('seeked', r, {once: true}))"
    )
    page.wait_for_function("document.querySelector('.cc-timecode').textContent === '00:00:01:12'")
    frame = page.inner_text(".cc-frame-number")
    page.click("button[data-target='id_new-start']")
    start = page.input_value("#id_new-start")
    shots(page, "clip-seeked")

    assert frame == "36"
    assert start == "00:00:01:12"
    assert _fits_the_window(page) == []

    # Maya is in the clip from there to the end: added on the page, through the audited service
    page.select_option("#id_new-person", str(maya.pk))
    page.click("button[form='ap-new']")
    page.wait_for_selector(".messagelist li")
    shots(page, "clip-appearance-added")
    appearance = clip.appearances.get()

    assert (appearance.person, appearance.start_seconds, appearance.end_seconds) == (
        maya,
        1.5,
        None,
    )
    assert page.input_value(f"#id_a{appearance.pk}-start") == "00:00:01:12"
    assert page.locator(".messagelist li").count() == 1
    assert _fits_the_window(page) == []
