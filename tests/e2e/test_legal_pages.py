"""In a real browser: legal staff sign in, see the dashboard, and open an asset's provenance graph."""

import os
import shutil

import pytest

pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz (dot) is not installed"),
]


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page()


@pytest.fixture
def legal_user(production, member):
    user = member("legal", production)
    user.set_password("a long demo password")
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_legal_staff_sign_in_and_follow_an_asset_s_provenance(
    live_server, browser_page, legal_user, production, tmp_path
):
    from tests.taint.conftest import Footage

    world = Footage(production)
    raw, out = world.asset("take.png"), world.asset("cleaned.png", "ai_output")
    world.edge(world.a("cleaned.png"), world.a("take.png"), activity_id=12)
    page = browser_page

    page.goto(f"{live_server.url}/admin/login/?next=/legal/")
    page.fill("#id_username", legal_user.username)
    page.fill("#id_password", "a long demo password")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/legal/")
    dashboard = page.content()

    page.goto(f"{live_server.url}/legal/provenance/{out.pk}/")
    page.wait_for_selector("svg")
    nodes = page.eval_on_selector_all("svg g.node", "nodes => nodes.map(n => n.id)")
    page.screenshot(path=str(tmp_path / "provenance.png"), full_page=True)
    if os.environ.get("E2E_SCREENSHOTS"):
        shutil.copy(tmp_path / "provenance.png", os.environ["E2E_SCREENSHOTS"])

    assert "Pending clearance requests" in dashboard or "clearance" in dashboard.lower()
    assert f"asset_{raw.pk}" in nodes
    assert f"asset_{out.pk}" in nodes
    assert "edit_job_12" in nodes
    assert (tmp_path / "provenance.png").stat().st_size > 5000


@pytest.mark.django_db(transaction=True)
def test_a_visitor_who_is_not_signed_in_is_asked_to_sign_in(live_server, browser_page):
    browser_page.goto(f"{live_server.url}/legal/")

    assert "/admin/login/" in browser_page.url
    assert browser_page.locator("#id_username").is_visible()
