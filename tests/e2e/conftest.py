"""Browser journeys: Debian's Chromium driven by Playwright, one browser per test."""

import shutil

import pytest
from django.db import connections

CHROMIUM = shutil.which("chromium")
# Headless, and quiet on a closed network: no background fetches, updates or sync.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
WINDOW = {"width": 1440, "height": 900}


@pytest.fixture
def chromium(monkeypatch):
    """A launched browser (the test opens its own pages); skipped where Chromium is absent."""
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM work of a test happens before
    # the browser starts. Only for these tests: the deploy check rightly refuses this variable.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        # The test's ORM work ran in the context Playwright keeps for this thread, so its database
        # connection is only seen from here: closed now, or the test database stays in use at the
        # end of the run and cannot be dropped.
        connections.close_all()
