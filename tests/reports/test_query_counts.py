"""Every report costs the same number of queries for 1 row as for 50: as a selector, through the API,
as a CSV download; and so does the dashboard."""

import datetime as dt

import pytest
from django.utils import timezone

from assets.choices import AssetOrigin
from legal.reports import REPORTS
from licensing.choices import ConsentScope
from tests.reports.helpers import api_url, count_queries, page_url
from tests.reports.world import (
    clearance,
    consent_reason,
    edit,
    evaluation,
    grant_reason,
    taint,
    train,
)

pytestmark = pytest.mark.urls("tests.reports.urls")


def _source(w):
    """One piece of footage with maya in it, a license listing it and maya's consent."""
    if "src" not in w.assets:
        w.asset("src")
        w.person("maya")
        w.appears("maya", "src")
        w.license("LIC-SRC", listed=["src"])
        w.consent("maya", "maya", ConsentScope.DIGITAL_ALTERATION)
    return w.assets["src"], w.licenses["LIC-SRC"], w.consents["maya"]


def _reasons(w):
    src, lic, consent = _source(w)
    return [grant_reason(lic, src), consent_reason(consent)]


def impact_of_footage(w, start, stop):
    src = _source(w)[0]
    for i in range(start, stop):
        edit(
            w, f"E{i}", [src], w.asset(f"out{i}", origin=AssetOrigin.AI_OUTPUT), reasons=_reasons(w)
        )
    return {"asset": src.pk}


def impact_of_adapter(w, start, stop):
    src = _source(w)[0]
    if not w.adapters:
        train(w, "T", [src], "lora", reasons=_reasons(w))
    lora = w.adapters["lora"]
    for i in range(start, stop):
        out = w.asset(f"out{i}", origin=AssetOrigin.AI_OUTPUT)
        edit(w, f"E{i}", [src], out, reasons=_reasons(w), adapters=[lora])
    return {"adapter": lora.pk}


def impact_of_person(w, start, stop):
    if "pia" not in w.people:
        w.person("pia")
    for i in range(start, stop):
        w.asset(f"take{i}")
        w.appears("pia", f"take{i}")
    return {"person": w.people["pia"].pk}


def impact_of_license(w, start, stop):
    if "LIC" not in w.licenses:
        w.license("LIC")
    for i in range(start, stop):
        asset = w.asset(f"take{i}")
        w.licenses["LIC"].listed.create(asset=asset)
    return {"license": w.licenses["LIC"].pk}


def usage(w, start, stop):
    src = w.assets.get("raw") or w.asset("raw")
    for i in range(start, stop):
        lic = w.license(f"LIC-{i:03d}", listed=["raw"])
        out = w.asset(f"out{i}", origin=AssetOrigin.AI_OUTPUT)
        edit(w, f"E{i}", [src], out, reasons=[grant_reason(lic, src)])
    return {}


def expiring_licenses(w, start, stop):
    soon = timezone.now() + dt.timedelta(days=5)
    for i in range(start, stop):
        w.asset(f"take{i}")
        w.license(f"LIC-{i:03d}", listed=[f"take{i}"], ends_at=soon)
    return {}


def expiring_consents(w, start, stop):
    soon = timezone.now() + dt.timedelta(days=5)
    for i in range(start, stop):
        w.asset(f"take{i}")
        w.person(f"p{i}")
        w.appears(f"p{i}", f"take{i}")
        w.consent(f"c{i}", f"p{i}", ConsentScope.VOICE, ends=soon)
    return {}


def tainted(w, start, stop):
    src, lic, _ = _source(w)
    for i in range(start, stop):
        out = w.asset(f"out{i}", origin=AssetOrigin.AI_OUTPUT, status="tainted")
        path = [("asset", src.pk), ("asset", out.pk)]
        taint(out, cause="license LIC-SRC", cause_id=lic.pk, reason="ended", path=path)
    return {}


def decisions(w, start, stop):
    src = _source(w)[0]
    for _ in range(start, stop):
        evaluation(w.production, "ai_edit", _reasons(w), assets=[src])
    return {}


GROW = {
    "impact of footage": ("impact", impact_of_footage),
    "impact of an adapter": ("impact", impact_of_adapter),
    "impact of a person": ("impact", impact_of_person),
    "impact of a license": ("impact", impact_of_license),
    "usage_by_license": ("usage_by_license", usage),
    "expiring licenses": ("expiring", expiring_licenses),
    "expiring consents": ("expiring", expiring_consents),
    "tainted": ("tainted", tainted),
    "decisions": ("decisions", decisions),
}


def _measure_twice(world, grow, read) -> tuple[int, int]:
    """Queries of read(params) with 1 row, then with 50."""
    params = grow(world, 0, 1)
    one, rows = read(params)
    assert rows == 1
    grow(world, 1, 50)
    fifty, rows = read(params)
    assert rows == 50
    return one, fifty


@pytest.fixture
def reader(bare, member):
    return member("legal", bare.production)


@pytest.mark.parametrize("case", list(GROW))
def test_selector(bare, reader, case):
    name, grow = GROW[case]

    def read(params):
        queries, report = count_queries(lambda: REPORTS[name].select(user=reader, **params))
        return queries, len(report.rows)

    one, fifty = _measure_twice(bare, grow, read)
    assert fifty == one


@pytest.mark.parametrize("case", list(GROW))
def test_api(bare, reader, client_as, case):
    name, grow = GROW[case]
    client = client_as(reader)

    def read(params):
        queries, response = count_queries(lambda: client.get(api_url(name), params))
        assert response.status_code == 200, response.content
        return queries, len(response.json()["rows"])

    one, fifty = _measure_twice(bare, grow, read)
    assert fifty == one


@pytest.mark.parametrize("case", list(GROW))
def test_csv_download(bare, reader, client_as, case):
    name, grow = GROW[case]
    client = client_as(reader)

    def read(params):
        queries, response = count_queries(
            lambda: client.get(page_url(name), {**params, "format": "csv"})
        )
        assert response.status_code == 200, response.content
        return queries, response.content.decode().count("\r\n") - 1

    one, fifty = _measure_twice(bare, grow, read)
    assert fifty == one


@pytest.mark.parametrize("case", ["decisions", "tainted"])
def test_html_page(bare, reader, client_as, case):
    name, grow = GROW[case]
    client = client_as(reader)

    def read(params):
        queries, response = count_queries(lambda: client.get(page_url(name), params))
        assert response.status_code == 200
        return queries, len(response.context["table"])

    one, fifty = _measure_twice(bare, grow, read)
    assert fifty == one


def _desk(w, start, stop):
    """Per step: a pending request, an expiring license, and taint recorded today."""
    expiring_licenses(w, start, stop)
    tainted(w, start, stop)
    for i in range(start, stop):
        request = clearance(w, f"use {i}", production=w.production)
        request.assets.set([w.assets[f"take{i}"], w.assets["src"]])
    return {}


def test_dashboard(bare, reader, client_as):
    client = client_as(reader)

    def read(params):
        queries, response = count_queries(lambda: client.get("/legal/"))
        assert response.status_code == 200
        dashboard = response.context["dashboard"]
        assert len(dashboard.expiring.rows) == len(dashboard.recent_taint)
        return queries, len(dashboard.pending)

    one, fifty = _measure_twice(bare, _desk, read)
    assert fifty == one
