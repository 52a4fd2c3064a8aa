"""In a real browser, at 1440 px: legal works the desk from the home page to a verified audit chain,
and a coordinator finds the legal-only pages and buttons closed, with a page that says why.

Each step saves a full-page screenshot under var/test/screenshots/<test>/ (the folder is printed).
"""

import datetime as dt
import shutil
from pathlib import Path

import pytest

from assets.choices import AssetStatus
from licensing.choices import ClearanceStatus, GrantKind
from licensing.models import ClearanceRequest, Grant, License, LicensedAsset
from licensing.services import clearance_request_create
from studio import queues
from tests.e2e.conftest import WINDOW
from tests.taint.conftest import footage  # noqa: F401  (the taint world: Maya in raw1, three edits)

pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed"),
]
PASSWORD = "a long demo password"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page(viewport=WINDOW, accept_downloads=True)


@pytest.fixture
def worker(monkeypatch):
    """The taint run a revocation queues is run at once, as a worker would, after the commit."""
    from licensing.services.taint import taint_run_execute

    def publish(task_name, args, **kwargs):
        if task_name == "licensing.propagate_taint":
            taint_run_execute(run_id=args[0])

    monkeypatch.setattr(queues, "publish", publish)


class Steps:
    """Numbered full-page screenshots, and the checks every page must pass."""

    def __init__(self, page, name):
        self.page, self.n = page, 0
        self.folder = ROOT / "var" / "test" / "screenshots" / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        print(f"\nScreenshots: {self.folder}")

    def shot(self, step: str) -> None:
        self.n += 1
        self.page.wait_for_load_state("load")
        wide = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{step}: the page is {wide}px wider than the window"
        self.page.screenshot(path=str(self.folder / f"{self.n:02d}-{step}.png"), full_page=True)


def _sign_in(page, url, username):
    page.goto(f"{url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/admin/")


@pytest.fixture
def desk(footage, production, member):  # noqa: F811
    """Legal (Lee) and a coordinator (Cora); Cora asks to AI-edit raw2, which no license covers.
    L-NOAI prohibits AI edits of what it lists; a grant on it would still be blocked."""
    legal = member("legal", production, username="lee-legal")
    coordinator = member("coordinator", production, username="cora-coord")
    for user in (legal, coordinator):
        user.set_password(PASSWORD)
        user.save()
    no_ai = License.objects.create(
        production=production,
        reference="L-NOAI",
        title="Archive, no AI",
        licensor=footage.license.licensor,
        licensee=footage.license.licensee,
        status="active",
        starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        coverage="listed",
    )
    LicensedAsset.objects.create(license=no_ai, asset=footage.assets["raw3"])
    Grant.objects.create(license=no_ai, kind=GrantKind.PROHIBITION, action="ai_edit")
    request = clearance_request_create(
        actor=coordinator,
        production=production,
        assets=[footage.assets["raw2"]],
        action="ai_edit",
        territory="US",
        media="svod",
        use_from=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        purpose="Clean the plate for the trailer",
    )
    footage.legal, footage.coordinator, footage.request, footage.no_ai = (
        legal,
        coordinator,
        request,
        no_ai,
    )
    return footage


def _legal_decides(page, url, desk, steps):
    _sign_in(page, url, "lee-legal")
    assert page.locator("#home-pending").is_visible()
    steps.shot("home")

    page.click(f"#home-pending a:text-is('#{desk.request.pk}')")
    page.wait_for_selector("#gate-preview")
    steps.shot("decide")

    page.select_option("#id_license", label="L-NOAI — Archive, no AI (active)")
    page.wait_for_selector("#preview-warnings")
    assert "A prohibition would still block the use" in page.inner_text("#preview-warnings")
    steps.shot("decide-warning")

    page.select_option("#id_license", label="L-RAW1 — raw1 (active)")
    page.wait_for_selector("#after-approval .gate-verdict.allowed")
    assert page.locator("#preview-warnings").count() == 0
    page.fill("#id_notes", "Cleared for the trailer")
    page.click("input[name=_approve]")
    page.wait_for_selector(".messagelist .success")
    steps.shot("approved")


def _legal_revokes_and_withdraws(page, url, desk, steps):
    consent = desk.consents["digital_alteration"]
    page.goto(f"{url}/admin/licensing/consent/")
    page.check(f"input[name=_selected_action][value='{consent.pk}']")
    page.select_option("select[name=action]", "revoke")
    page.click("button[name=index]")
    page.wait_for_selector("#taint-preview")
    assert "out1" in page.inner_text("#taint-preview")
    steps.shot("revoke-preview")

    page.fill("#id_reason", "Withdrawn by letter of 3 May")
    page.click("input[value=Revoke]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator(".messagelist li").count() == 1
    steps.shot("revoked")

    page.click(".messagelist a:text('See the tainted report')")
    page.wait_for_selector("#result_list")
    steps.shot("tainted")

    page.click("#withdraw-link")
    page.wait_for_selector("#withdraw-list")
    page.fill("#id_reason", "Pulled after the revocation")
    steps.shot("withdraw")
    page.click("input[value='Withdraw checked assets']")
    page.wait_for_selector(".messagelist .success")
    steps.shot("withdrawn")


def _legal_reads(page, url, desk, steps):
    page.click("a.desk-link:text('Reports')")
    page.click("#id_person")
    page.keyboard.type("ay")
    page.wait_for_selector("#id_person_list li[role=option]:text('Maya')")
    steps.shot("impact-picker")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    assert page.input_value("#id_person") == "Maya"
    maya = desk.consents["digital_alteration"].person_id
    assert page.input_value("input[type=hidden][name=person]") == str(maya)
    page.click("input[value=Show]")
    page.wait_for_selector("#result_list")
    steps.shot("impact")

    with page.expect_download() as download:
        page.click("#csv-link")
    content = Path(download.value.path()).read_bytes()
    assert content.startswith("\ufeff".encode())

    out2 = desk.assets["out2"]
    page.goto(f"{url}/legal/provenance/{out2.pk}/")
    page.wait_for_selector(f"#provenance-graph g#asset_{out2.pk}")
    fill = page.get_attribute(f"g#asset_{out2.pk} polygon", "fill")
    assert fill.lower() == "#fff59d"
    assert page.locator(f"g#asset_{out2.pk}").is_visible()
    steps.shot("provenance")

    page.goto(f"{url}/admin/studio/auditevent/")
    steps.shot("audit-trail")
    page.click("#verify-chain")
    page.wait_for_selector("#verify-result")
    assert "Audit chain intact" in page.inner_text("#verify-result")
    steps.shot("audit-verified")


@pytest.mark.django_db(transaction=True)
def test_legal_works_the_desk(live_server, browser_page, desk, worker):
    page, url = browser_page, live_server.url
    steps = Steps(page, "test_legal_works_the_desk")

    _legal_decides(page, url, desk, steps)
    _legal_revokes_and_withdraws(page, url, desk, steps)
    _legal_reads(page, url, desk, steps)

    desk.request.refresh_from_db()
    assert desk.request.status == ClearanceStatus.APPROVED
    assert desk.request.created_grant.license_id == desk.license.pk
    for name in ("out1", "out2", "out3"):
        desk.assets[name].refresh_from_db()
        assert desk.assets[name].status == AssetStatus.WITHDRAWN


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_finds_legal_pages_closed(live_server, browser_page, desk):
    page, url = browser_page, live_server.url
    steps = Steps(page, "test_a_coordinator_finds_legal_pages_closed")
    _sign_in(page, url, "cora-coord")
    assert page.locator("#home-pending").count() == 0
    assert page.locator("a.desk-link").count() == 0
    steps.shot("home")

    page.goto(f"{url}/admin/licensing/clearancerequest/{desk.request.pk}/change/")
    assert page.locator(".decide-link").count() == 0
    steps.shot("request")

    for step, path in (
        ("decide-refused", f"/admin/licensing/clearancerequest/{desk.request.pk}/decide/"),
        ("legal-refused", "/legal/"),
        ("audit-refused", "/admin/studio/auditevent/"),
    ):
        response = page.goto(f"{url}{path}")
        assert response.status == 403, path
        assert page.locator("#refused .refused-message").is_visible(), path
        steps.shot(step)

    status = page.evaluate(
        """async (path) => {
            const token = document.cookie.split('; ').find(c => c.startsWith('csrftoken=')).slice(10);
            const body = new URLSearchParams({csrfmiddlewaretoken: token, _approve: '1',
                notes: 'ok', status: 'approved', decided_by: 'cora'});
            const answer = await fetch(path, {method: 'POST', body});
            return answer.status;
        }""",
        f"/admin/licensing/clearancerequest/{desk.request.pk}/decide/",
    )

    assert status == 403
    assert ClearanceRequest.objects.get(pk=desk.request.pk).status == ClearanceStatus.PENDING
