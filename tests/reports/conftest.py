"""Fixtures for the legal reports: the hand-counted world, its staff, signed-in clients, URLs."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.reports.world import TAINT_SINCE, bare_world, build_world, taint


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def bare(db):
    return bare_world()


@pytest.fixture
def legal(world, member):
    return member("legal", world.production, username="lena-legal")


@pytest.fixture
def legal_other(world, member):
    """Legal staff of BRAVO only."""
    return member("legal", world.other, username="bruno-legal")


@pytest.fixture
def coordinator(world, member):
    return member("coordinator", world.production, username="cory-coordinator")


@pytest.fixture
def staff_only(db):
    """Staff, so the admin opens, but with no role anywhere and not a superuser."""
    return UserFactory(username="sam-staff", is_staff=True)


@pytest.fixture
def client_as():
    """client_as(user) -> an APIClient signed in as that user (None: anonymous)."""

    def _client(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return _client


@pytest.fixture
def tainted(world):
    """out2 tainted by two causes (and once by a lifted one); the adapter withdrawn; a2 only
    quarantined; b1-out tainted on BRAVO."""
    a, lora = world.assets, world.adapters["alpha-lora"]
    holder, consent = world.licenses["LIC-HOLDER"], world.consents["maya-train"]
    for name, status in (("out2", "tainted"), ("a2", "quarantined"), ("b1-out", "tainted")):
        a[name].status = status
        a[name].save(update_fields=["status"])
    lora.status, lora.status_reason = "withdrawn", "pulled by legal"
    lora.save(update_fields=["status", "status_reason"])
    path = [("asset", a["stock"].pk), ("asset", a["out2"].pk)]
    taint(
        a["out2"],
        cause="license LIC-HOLDER",
        cause_id=holder.pk,
        reason="ended",
        path=path,
        at=TAINT_SINCE,
    )
    path = [("asset", a["a1"].pk), ("adapter", lora.pk), ("asset", a["out2"].pk)]
    taint(a["out2"], cause="consent of maya", cause_id=consent.pk, reason="revoked", path=path)
    lic = world.licenses["LIC-PROD"]
    taint(a["out2"], cause="license LIC-PROD", cause_id=lic.pk, reason="x", path=path, lifted=True)
    bravo = world.licenses["LIC-B"]
    path = [("asset", a["b1"].pk), ("asset", a["b1-out"].pk)]
    taint(a["b1-out"], cause="license LIC-B", cause_id=bravo.pk, reason="ended", path=path)
    return world
