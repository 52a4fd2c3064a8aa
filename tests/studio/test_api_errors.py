import io
import logging

import pytest
from django.test import override_settings
from django.utils.module_loading import import_string

from studio import settings as production_settings
from studio.correlation import correlation_scope
from studio.models import ApiToken

PROBLEM = "application/problem+json"


@pytest.fixture
def coordinator_client(api, production, member):
    api.force_login(member("coordinator", production))
    return api


def _post_raw(client, body, content_type="application/json"):
    return client.generic("POST", "/api/v1/tokens/", body, content_type=content_type)


def test_malformed_json_is_a_400_problem(coordinator_client):
    response = _post_raw(coordinator_client, b'{"name": "x", ')

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 400
    assert body["title"] == "Bad Request"
    assert "JSON parse error" in body["detail"]


def test_unknown_fields_are_named(coordinator_client):
    response = coordinator_client.post(
        "/api/v1/tokens/", {"name": "x", "productions": ["ALPHA"], "can_wrte": True}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "urn:clearcut:problem:validation"
    assert body["errors"] == [{"field": "can_wrte", "message": "Unknown field."}]
    assert not ApiToken.objects.exists()


def test_field_errors_come_as_a_flat_list(coordinator_client):
    response = coordinator_client.post("/api/v1/tokens/", {"productions": ["NOPE"]}, format="json")

    fields = {e["field"] for e in response.json()["errors"]}
    assert response.status_code == 400
    assert fields == {"name", "productions"}


def test_a_json_array_instead_of_an_object_is_a_400(coordinator_client):
    response = _post_raw(coordinator_client, b"[1, 2]")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_an_oversize_json_body_is_refused_before_parsing(coordinator_client):
    body = b'{"name": "' + b"x" * 4096 + b'"}'

    response = _post_raw(coordinator_client, body)

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert "1024 bytes" in response.json()["detail"]
    assert not ApiToken.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_form_body_where_json_is_expected_is_refused_by_its_type(coordinator_client):
    response = _post_raw(
        coordinator_client, b"name=" + b"x" * 4096, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert "application/x-www-form-urlencoded" in response.json()["detail"]


def test_an_unknown_api_url_is_a_404_problem(api):
    response = api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 404


def test_a_missing_page_is_a_404_in_the_admin_s_look_with_its_own_words(client, production, member):
    client.force_login(member("coordinator", production))

    response = client.get("/admin/editing/editjob/2147483000/change/")

    assert response.status_code == 404
    page = response.content.decode()
    assert '<div id="site-name">' in page  # the admin's frame, with its navigation
    assert '<p class="refused-message">No such edit job.</p>' in page
    assert "Back to your home page" in page


@pytest.mark.parametrize("signed_in", [True, False])
def test_an_address_that_is_nowhere_says_so_without_the_url_patterns(
    client, production, member, signed_in
):
    if signed_in:
        client.force_login(member("coordinator", production))

    response = client.get("/legal/reports/no-such-report/x/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "There is nothing at this address" in page  # not the URL patterns a resolver tried
    assert ("Back to your home page" in page) is signed_in
    assert ("Sign in" in page) is not signed_in


@override_settings(ROOT_URLCONF="tests.studio.failing_urls")
def test_a_page_that_fails_gives_its_reference_not_a_traceback(client):
    client.raise_request_exception = False

    response = client.get("/legal/fails/", HTTP_X_CORRELATION_ID="support-ticket-42")

    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert '<code id="reference">support-ticket-42</code>' in page
    assert response["X-Correlation-ID"] == "support-ticket-42"
    assert "RuntimeError" not in page
    assert "a fault in the code" not in page


def test_a_log_line_written_while_serving_carries_the_reference():
    """The console handler as the production settings build it (the tests log elsewhere)."""
    config = production_settings.LOGGING
    console = config["handlers"]["console"]
    handler = logging.StreamHandler(io.StringIO())
    for name in console["filters"]:
        handler.addFilter(import_string(config["filters"][name]["()"])())
    handler.setFormatter(logging.Formatter(config["formatters"][console["formatter"]]["format"]))
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x",), None
    )

    with correlation_scope("support-ticket-42"):
        handler.handle(record)
    handler.handle(
        logging.makeLogRecord({"name": "celery.beat", "msg": "tick", "levelname": "INFO"})
    )

    lines = handler.stream.getvalue().splitlines()
    assert lines == [
        "ERROR django.request correlation_id=support-ticket-42 Internal Server Error: /x",
        "INFO celery.beat correlation_id=- tick",
    ]


@override_settings(ROOT_URLCONF="tests.studio.failing_urls")
def test_an_api_route_that_fails_is_a_500_problem(client):
    client.raise_request_exception = False

    response = client.get("/api/v1/fails/")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert "a fault in the code" not in response.content.decode()


def test_a_wrong_method_is_a_405_problem(coordinator_client, production):
    response = coordinator_client.delete(f"/api/v1/productions/{production.pk}/")

    assert response.status_code == 405
    assert response.json()["title"] == "Method Not Allowed"


def test_the_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = api.get("/api/docs/")

    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/tokens/" in spec["paths"]
    assert spec["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    assert docs.status_code == 200


def test_lists_are_cursor_paginated(api, superuser):
    from tests.factories import ProductionFactory

    ProductionFactory.create_batch(5)
    api.force_login(superuser)

    first = api.get("/api/v1/productions/?page_size=2").json()
    second = api.get(first["next"]).json()

    assert "cursor=" in first["next"]
    assert len(first["results"]) == 2
    assert {p["id"] for p in first["results"]}.isdisjoint({p["id"] for p in second["results"]})


def test_every_response_carries_a_correlation_id(api):
    response = api.get("/api/v1/productions/", HTTP_X_CORRELATION_ID="mam-request-000123")

    assert response["X-Correlation-ID"] == "mam-request-000123"
