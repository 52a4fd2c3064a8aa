"""The admin's lists and row pages answer odd query strings and ids as they answer a person who
mistyped one — the list (back to it, as Django does with a filter it cannot read: ``?e=1``) or
"does not exist" — never a server error: bytes no column can hold, values of the wrong type,
dates outside the calendar, unknown sort columns, pages out of range, ids that are not ids."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib import admin

from studio.admin_base import ReadableLookupsMixin
from tests.admin.test_writes import REGISTERED, url

ODD_VALUES = ["\x00", "x\x00y", "zzz", "-1", "99999999999999999999999", "2026-13-45", "", "%"]
ODD_QUERIES = [
    {"q": "\x00"},
    {"q": "a" * 5000},
    {"o": "zz"},
    {"o": "999.-999"},
    {"p": "-1"},
    {"p": "abc"},
    {"p": "99999"},
    {"all": "\x00"},
    {"\x00": "1"},
    {"e": "1", "q": "\x00"},
]
ODD_IDS = ["abc", "-1", "99999999999999999999999", "%00", "1.5", "1%2F2", "%C2%B2", "%E0%A5%A7"]
MISSING_ID = "2147483000"


def _filter_params(html: str) -> set[str]:
    """The query parameters the list's own filter links use (facets, choices, dates)."""
    names = set()
    for href in re.findall(r'href="(\?[^"]*)"', html):
        for name, _ in parse_qsl(urlsplit(unescape(href)).query, keep_blank_values=True):
            if name not in {"o", "p", "q", "_facets"}:
                names.add(name)
    return names


def _queries(model, page_html: str) -> list[dict]:
    queries = list(ODD_QUERIES)
    dates = admin.site._registry[model].date_hierarchy
    if dates:
        queries += [
            {f"{dates}__year": "abc"},
            {f"{dates}__year": "99999999999999999999999"},
            {f"{dates}__year": "0"},
            {f"{dates}__year": "2026", f"{dates}__month": "13"},
            {f"{dates}__year": "2026", f"{dates}__month": "2", f"{dates}__day": "31"},
        ]
    return queries + [{name: v} for name in sorted(_filter_params(page_html)) for v in ODD_VALUES]


def test_every_admin_reads_its_lookups_before_the_database_does():
    unguarded = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ReadableLookupsMixin)
    ]
    assert not unguarded


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_a_list_answers_odd_query_strings_with_the_list(client, rows, superuser, model):
    client.force_login(superuser)
    client.raise_request_exception = False
    changelist = url(model, "changelist")
    page = client.get(changelist, {"_facets": "1"})
    assert page.status_code == 200

    answers = {}
    for query in _queries(model, page.content.decode()):
        response = client.get(changelist, query)
        answer = response.status_code
        if answer == 302:  # back to the list, told its filters could not be read
            assert response["Location"] == f"{changelist}?e=1", query
            back = client.get(response["Location"])
            told = [str(m) for m in back.context["messages"]]
            assert told == [
                "The filters in that link could not be read, so the whole list is shown."
            ]
            answer = back.status_code
        answers[repr(query)] = answer
    assert set(answers.values()) == {200}, {q: a for q, a in answers.items() if a != 200}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_a_row_page_with_an_id_that_is_not_one_answers_as_for_a_missing_row(
    client, rows, superuser, model, view
):
    client.force_login(superuser)
    client.raise_request_exception = False
    page = url(model, view, MISSING_ID)
    missing = client.get(page).status_code
    assert missing < 500

    answers = {}
    for odd in ODD_IDS:
        answers[odd] = client.get(page.replace(f"/{MISSING_ID}/", f"/{odd}/")).status_code
    assert set(answers.values()) == {missing}, answers


@pytest.mark.parametrize(
    ("app", "model", "field"),
    [("studio", "membership", "user"), ("licensing", "clearancerequest", "assets")],
)
def test_an_autocomplete_for_text_no_row_can_hold_finds_nothing(
    client, rows, superuser, app, model, field
):
    client.force_login(superuser)
    query = {"app_label": app, "model_name": model, "field_name": field}

    found = client.get("/admin/autocomplete/", query | {"term": "a\x00"})

    assert found.status_code == 200
    assert found.json()["results"] == []
    assert client.get("/admin/autocomplete/", query | {"term": ""}).json()["results"]  # rows exist
