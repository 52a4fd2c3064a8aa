"""Shared fixtures for licensing API tests: the hand-built world, its staff, and signed-in clients."""

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory
from tests.licensing.world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def legal(world, member):
    return member("legal", world.production, username="lena-legal")


@pytest.fixture
def coordinator(world, member):
    return member("coordinator", world.production, username="cory-coordinator")


@pytest.fixture
def legal_of_both(world, member):
    """Legal on ALPHA and BRAVO, so a cross-production mistake reaches the service's own check."""
    user = member("legal", world.production, username="bo-both")
    MembershipFactory(user=user, production=world.other, role="legal")
    return user


@pytest.fixture
def client_as():
    """client_as(user) -> a fresh APIClient signed in as that user (None: anonymous)."""

    def _client(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def who(world, member, token_client):
    """who("role@own" | "role@other" | "anonymous" | "legal-token-readonly@own") -> (client, user)."""

    def _who(spec):
        if spec == "anonymous":
            return APIClient(), None
        role, where = spec.split("@")
        production = world.production if where == "own" else world.other
        if role == "legal-token-readonly":
            user = member("legal", production)
            return token_client(user, [production], can_write=False), user
        user = member(role, production)
        client = APIClient()
        client.force_login(user)
        return client, user

    return _who
