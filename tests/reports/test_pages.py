"""The legal pages: a form and table per report, CSV downloads, the dashboard, and who may see them."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from legal.reports import REPORTS, report_decisions
from tests.reports.helpers import page_url
from tests.reports.world import clearance, taint

pytestmark = pytest.mark.urls("tests.reports.urls")

NAMES = sorted(REPORTS)
DASHBOARD = "/legal/"


def _params(world, name) -> dict:
    return {"asset": world.assets["a1"].pk} if name == "impact" else {}


def _url(page: str) -> str:
    return DASHBOARD if page == "dashboard" else page_url(page)


def _csv(response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode()), "a CSV starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_urls_are_where_the_lead_will_include_them():
    assert reverse("legal-dashboard") == DASHBOARD
    assert page_url("decisions") == "/legal/reports/decisions/"
    assert reverse("reports:report", args=["decisions"]) == "/api/v1/reports/decisions/"


@pytest.mark.parametrize("name", NAMES)
def test_the_page_shows_the_form_the_table_and_a_csv_link(tainted, legal, client_as, name):
    response = client_as(legal).get(page_url(name), _params(tainted, name))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<table id="result_list"' in body
    assert "Download CSV" in body
    assert "format=csv" in body
    assert 'id="site-name"' in body  # the admin's header: the page extends admin/base_site.html
    for param in REPORTS[name].params:
        assert f'name="{param.name}"' in body


def test_the_table_has_the_reports_rows(world, legal, client_as):
    response = client_as(legal).get(page_url("decisions"), {"allowed": "false"})

    assert response.status_code == 200
    assert [[cell.text for cell in row] for row in response.context["table"]] == [
        [
            str(world.jobs["E3"].submit_evaluation_id),
            "2026-01-31 12:00:00",
            "lena-legal",
            "ALPHA",
            "ai_edit",
            f"editing.editjob #{world.jobs['E3'].pk}",
            "a2",
            "no",
            "a2: no grant covers ai_edit.",
            "",
            "",
        ]
    ]
    assert "a2: no grant covers ai_edit." in response.content.decode()


def test_the_impact_page_without_a_subject_shows_only_the_form(world, legal, client_as):
    response = client_as(legal).get(page_url("impact"))

    assert response.status_code == 200
    assert response.context["report"] is None
    assert 'name="person"' in response.content.decode()


@pytest.mark.parametrize("name", NAMES)
def test_csv_has_a_header_row_of_the_columns_and_one_line_per_row(tainted, legal, client_as, name):
    params = _params(tainted, name)

    response = client_as(legal).get(page_url(name), {**params, "format": "csv"})

    report = REPORTS[name].select(user=legal, **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{name}-')
    lines = _csv(response)
    assert lines[0] == report.columns
    assert len(lines) == len(report.rows) + 1
    assert len(report.rows) > 0


def test_csv_cells(world, legal, client_as):
    response = client_as(legal).get(page_url("decisions"), {"format": "csv", "action": "ai_train"})

    lines = _csv(response)
    assert len(lines) == 3
    row = dict(zip(lines[0], lines[1], strict=True))
    assert (row["assets"], row["allowed"], row["licenses"]) == ("a1; a2", "true", "LIC-PROD")
    assert row["consents"] == "maya (likeness_training)"


def test_csv_keeps_formulas_as_text(world, legal, client_as):
    asset = world.asset("=HYPERLINK(1)")
    world.appears("leo", asset.original_filename)

    response = client_as(legal).get(
        page_url("impact"), {"format": "csv", "person": world.people["leo"].pk}
    )

    page = client_as(legal).get(page_url("impact"), {"person": world.people["leo"].pk})

    assert "'=HYPERLINK(1)" in [line[2] for line in _csv(response)]
    assert "=HYPERLINK(1)" in [cells[2].text for cells in page.context["table"]]


@pytest.mark.parametrize(
    ("name", "params", "named"),
    [
        ("expiring", {"days": "0"}, "days"),
        ("expiring", {"days": "abc"}, "days"),
        ("impact", {"person": "1", "asset": "1"}, "asset"),
        ("decisions", {"since": "soon"}, "since"),
        ("decisions", {"format": "xlsx"}, "format"),
    ],
)
def test_bad_parameters_are_a_400_page_naming_them(world, legal, client_as, name, params, named):
    response = client_as(legal).get(page_url(name), params)

    assert response.status_code == 400
    assert named in [field for field, _ in response.context["errors"]]
    assert response.context["report"] is None


def test_bad_parameters_in_a_csv_request_are_a_400(world, legal, client_as):
    response = client_as(legal).get(page_url("expiring"), {"days": "0", "format": "csv"})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_report_page_is_a_404(world, legal, client_as):
    assert client_as(legal).get(page_url("salaries")).status_code == 404


# --- who may see the pages --------------------------------------------------------------------


@pytest.mark.parametrize("page", ["dashboard", *NAMES])
def test_anonymous_is_sent_to_the_login_page(world, client_as, page):
    response = client_as(None).get(_url(page))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('admin:login')}?next=")


@pytest.mark.parametrize("page", ["dashboard", *NAMES])
@pytest.mark.parametrize("who", ["coordinator", "staff_only"])
def test_without_audit_access_the_pages_are_403(world, client_as, request, page, who):
    user = request.getfixturevalue(who)

    assert client_as(user).get(_url(page)).status_code == 403


@pytest.mark.parametrize("page", ["dashboard", *NAMES])
@pytest.mark.parametrize("who", ["legal", "legal_other", "superuser"])
def test_legal_staff_and_superusers_open_the_pages(world, client_as, request, page, who):
    assert client_as(request.getfixturevalue(who)).get(_url(page)).status_code == 200


def test_legal_of_another_production_sees_none_of_this_ones_rows(tainted, legal_other, client_as):
    client = client_as(legal_other)

    for name in ("usage_by_license", "tainted", "decisions"):
        body = client.get(page_url(name)).content.decode()
        assert "BRAVO" in body
        assert not [word for word in ("out2", "LIC-LISTED", "ALPHA") if word in body]


# --- the dashboard ----------------------------------------------------------------------------


@pytest.fixture
def desk(world):
    """A pending and a decided request, an expiring license, taint of today and of 10 days ago."""
    clearance(world, "festival trailer for Tokyo")
    clearance(world, "already decided", status="approved")
    clearance(world, "a BRAVO request", production=world.other)
    a = world.assets
    path = [("asset", a["stock"].pk), ("asset", a["out2"].pk)]
    lic = world.licenses["LIC-HOLDER"]
    taint(a["out2"], cause="license LIC-HOLDER", cause_id=lic.pk, reason="StockCo ended", path=path)
    old = timezone.now() - dt.timedelta(days=10)
    path = [("asset", a["a1"].pk), ("asset", a["out1"].pk)]
    taint(a["out1"], cause="license LIC-LISTED", cause_id=1, reason="last month", path=path, at=old)
    return world


def test_the_dashboard_gathers_what_needs_legal(desk, legal, client_as):
    response = client_as(legal).get(DASHBOARD)

    assert response.status_code == 200
    body = response.content.decode()
    dashboard = response.context["dashboard"]
    assert [r.purpose for r in dashboard.pending] == ["festival trailer for Tokyo"]
    assert "festival trailer for Tokyo" in body
    assert "already decided" not in body
    assert "a BRAVO request" not in body
    assert [row["name"] for row in dashboard.expiring.rows] == [
        "LIC-LISTED — LIC-LISTED title",
        "maya — digital_alteration",
    ]
    assert "LIC-LISTED — LIC-LISTED title" in body
    assert [(r["node"], r["cause"]) for r in dashboard.recent_taint] == [
        ("out2", "license LIC-HOLDER")
    ]
    assert "StockCo ended" in body
    assert "last month" not in body
    for name in NAMES:
        assert f'href="{page_url(name)}"' in body


def test_the_dashboard_links_to_the_pending_request(desk, legal, client_as):
    pending = client_as(legal).get(DASHBOARD).context["dashboard"].pending[0]

    body = client_as(legal).get(DASHBOARD).content.decode()

    assert reverse("admin:licensing_clearancerequest_decide", args=[pending.pk]) in body


def test_the_dashboard_of_the_other_productions_legal(desk, legal_other, client_as):
    dashboard = client_as(legal_other).get(DASHBOARD).context["dashboard"]

    assert [r.purpose for r in dashboard.pending] == ["a BRAVO request"]
    assert [row["production"] for row in dashboard.expiring.rows] == ["BRAVO"]
    assert dashboard.recent_taint == []


def test_reports_read_the_same_through_a_page_and_the_selector(world, legal, client_as):
    table = client_as(legal).get(page_url("decisions")).context["table"]

    assert len(table) == len(report_decisions(user=legal).rows) == 7


def test_consents_named_in_a_cell_link_to_their_pages(world, legal, client_as):
    from licensing.models import Consent

    response = client_as(legal).get(page_url("decisions"), {"action": "ai_train"})

    consent = Consent.objects.get(person__name="maya", scope="likeness_training")
    cells = [cell for row in response.context["table"] for cell in row]
    [linked] = {cell for cell in cells if cell.text == "maya (likeness_training)"}
    assert linked.links == (
        ("maya (likeness_training)", f"/admin/licensing/consent/{consent.pk}/change/"),
    )
    assert f'href="/admin/licensing/consent/{consent.pk}/change/"' in response.content.decode()
