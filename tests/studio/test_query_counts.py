"""List endpoints cost the same number of queries for 1 row and for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from studio import services
from tests.factories import ProductionFactory


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow(superuser, user, productions):
    for production in productions:
        services.membership_set(actor=superuser, production=production, user=user, role="legal")
        services.api_token_create(
            actor=superuser, user=user, name=production.code, productions=[production]
        )


@pytest.mark.parametrize(
    "url", ["/api/v1/productions/", "/api/v1/tokens/", "/api/v1/audit-events/"]
)
def test_list_query_count_does_not_grow_with_rows(api, superuser, url):
    from tests.factories import UserFactory

    user = UserFactory(username="lister")
    api.force_login(user)
    _grow(superuser, user, ProductionFactory.create_batch(1))
    with_one = _queries_for(api, url)

    _grow(superuser, user, ProductionFactory.create_batch(49))
    with_fifty = _queries_for(api, url)

    assert with_fifty == with_one
