"""A production with footage, a pending clearance request, and its legal staff and coordinator."""

import datetime as dt

import pytest

from licensing.models import ClearanceRequest
from licensing.services import clearance_request_create
from tests.licensing.world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def legal(world, member):
    return member("legal", world.production, username="lee-legal")


@pytest.fixture
def coordinator(world, member):
    return member("coordinator", world.production, username="cora-coord")


@pytest.fixture
def pending(world, coordinator) -> ClearanceRequest:
    """Cora asks to AI-edit a1 for US streaming from 2027."""
    return clearance_request_create(
        actor=coordinator,
        production=world.production,
        assets=[world.assets["a1"]],
        action="ai_edit",
        territory="US",
        media="svod",
        use_from=dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        purpose="Trailer clean-up",
    )


@pytest.fixture
def legal_client(client, legal):
    client.force_login(legal)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client
