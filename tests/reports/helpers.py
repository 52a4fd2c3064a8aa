"""URLs, query counting and cell lookups the report tests share."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

PROBLEM = "application/problem+json"


def api_url(name: str) -> str:
    return reverse("reports:report", args=[name])


def page_url(name: str) -> str:
    return reverse("legal-report", args=[name])


def count_queries(call):
    """(number of queries, result) of call()."""
    with CaptureQueriesContext(connection) as queries:
        result = call()
    return len(queries), result


def fields_of(response) -> set[str]:
    """The parameter names a problem+json 400 names."""
    return {error["field"] for error in response.json().get("errors", [])}


def column(report, name: str) -> list:
    return [row[name] for row in report.rows]
