"""The admin home per role, the desk links, "View site", and the refusal page."""

import zoneinfo

from django.urls import reverse

from tests.licensing.world import appears


def test_legal_staff_see_what_waits_for_them_and_the_desk_links(legal_client, pending):
    page = legal_client.get(reverse("admin:index"))

    assert page.status_code == 200
    sections = {s["id"]: s for s in page.context["desk_sections"]}
    assert {"home-pending", "home-expiring", "home-taint", "home-footage"} <= set(sections)
    decide = reverse("admin:licensing_clearancerequest_decide", args=[pending.pk])
    assert sections["home-pending"]["rows"][0][0] == (f"#{pending.pk}", decide)
    body = page.content.decode()
    assert 'href="/legal/" class="desk-link">Legal dashboard' in body
    assert page.context["site_url"] == "/legal/"
    assert "Desk" in [app["name"] for app in page.context["available_apps"]]


def test_coordinators_see_their_own_requests_and_no_legal_links(coordinator_client, pending):
    page = coordinator_client.get(reverse("admin:index"))

    sections = {s["id"]: s for s in page.context["desk_sections"]}
    assert "home-pending" not in sections
    assert [row[0][0] for row in sections["home-requests"]["rows"]] == [f"#{pending.pk}"]
    assert page.context["site_url"] == reverse("admin:index")
    assert page.context["desk_links"] == []
    assert b"Legal dashboard" not in page.content


def test_view_site_is_never_a_404(client, legal, coordinator):
    for user in (legal, coordinator):
        client.force_login(user)
        url = client.get(reverse("admin:index")).context["site_url"]
        assert client.get(url).status_code == 200, (user.username, url)


def test_a_coordinator_asking_for_a_legal_page_gets_a_page_that_says_why(coordinator_client):
    for url in ("/legal/", "/legal/reports/impact/", "/legal/withdraw/"):
        response = coordinator_client.get(url)
        assert response.status_code == 403, url
        body = response.content.decode()
        assert 'id="refused"' in body, url
        assert "legal staff" in body, url


def test_times_follow_the_browser_s_zone(legal_client, pending, world):
    appears(world, "maya", "a1")
    legal_client.cookies["clearcut_tz"] = "Asia/Tokyo"

    page = legal_client.get(reverse("admin:index"))

    asked = {s["id"]: s for s in page.context["desk_sections"]}["home-pending"]["rows"][0][-1][0]
    local = pending.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert asked == f"{local:%Y-%m-%d %H:%M:%S}"
