import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def production(db):
    return ProductionFactory(code="ALPHA")


@pytest.fixture
def other_production(db):
    return ProductionFactory(code="BRAVO")


@pytest.fixture
def member(db):
    """member(role, production) -> a user holding that role on that production."""

    def _member(role, production, username=None):
        user = UserFactory(**({"username": username} if username else {}))
        MembershipFactory(user=user, production=production, role=role)
        return user

    return _member


@pytest.fixture
def token_client(db):
    """token_client(user, productions, can_write=...) -> an APIClient authenticated by a token."""

    def _client(user, productions, **kwargs):
        token, raw_key = make_token(user, productions, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.token = token
        return client

    return _client
