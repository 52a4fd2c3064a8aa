"""The OpenAPI schema tells the truth: schemathesis generates requests for every operation from
``/api/schema/`` and each answer must be no server error and match the documented schema."""

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras")

import schemathesis  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token  # noqa: E402

# Generated cases per operation: enough to reach every field's edges, bounded for CI.
MAX_EXAMPLES = 8


@pytest.fixture
def api_schema(db):
    # As Django's test client does: requests served in-process must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db) -> dict:
    production = ProductionFactory(code="ALPHA")
    user = UserFactory()
    MembershipFactory(user=user, production=production, role="legal")
    _, raw = make_token(user, [production], can_write=True)
    return {"Authorization": f"Bearer {raw}"}


def _check_operation(operation, headers) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    run()


def test_every_operation_answers_as_documented(api_schema, bearer):
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        try:
            _check_operation(operation, bearer)
        except Exception as exc:  # collected: every operation is tried, all failures are shown
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
