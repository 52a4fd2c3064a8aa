"""Fixtures for running edits the way production does: footage, rights, a signing chain, a model."""

import datetime as dt
import os

import pytest

from assets.credentials.devcert import write_dev_chain
from assets.services import asset_ingest
from assets.synthetic import make_clip
from editing.tiny import build_tiny_pipeline
from licensing.models import Grant, License, Party
from studio.actors import SystemActor

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def tiny_inpaint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models") / "tiny-inpaint"
    build_tiny_pipeline("inpaint", folder, seed=3)
    return folder


@pytest.fixture(scope="session")
def chain(tmp_path_factory):
    return write_dev_chain(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def environment(settings, chain, tiny_inpaint, monkeypatch):
    """Settings given through the environment too, so a worker process started by a test sees them."""
    values = {
        "C2PA_SIGNING_CHAIN": str(chain.chain_pem),
        "C2PA_SIGNING_KEY": str(chain.key_pem),
        "C2PA_TRUST_ANCHORS": str(chain.root_pem),
        "EDITING_MODEL_ROOTS": str(tiny_inpaint.parent),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    settings.C2PA_SIGNING_CHAIN, settings.C2PA_SIGNING_KEY = (
        values["C2PA_SIGNING_CHAIN"],
        values["C2PA_SIGNING_KEY"],
    )
    settings.C2PA_TRUST_ANCHORS = values["C2PA_TRUST_ANCHORS"]
    settings.EDITING_MODEL_ROOTS = [tiny_inpaint.parent]
    from editing.pipelines import pipeline_cache

    pipeline_cache().clear()
    return values


@pytest.fixture
def model(environment, tiny_inpaint):
    from editing.services import model_register

    return model_register(
        actor=SystemActor("test"),
        family="tiny",
        version="1",
        task="inpaint",
        location=tiny_inpaint,
        max_side=64,
    )


def ingest_cleared_clip(folder, production, actor, actions, *, seconds, size):
    """Ingest a synthetic clip into ``production`` under a license granting ``actions`` everywhere."""
    party = Party.objects.create(name="Studio")
    license = License.objects.create(
        production=production,
        reference="L-ALL",
        title="all",
        licensor=party,
        licensee=party,
        status="active",
        starts_at=START,
        coverage="production",
    )
    for action in actions:
        Grant.objects.create(license=license, action=action)
    path = make_clip(folder / f"clip-{os.getpid()}.mp4", seconds=seconds, fps=24, size=size)
    return asset_ingest(actor=actor, production=production, source=path, filename="take.mp4").asset


@pytest.fixture
def cleared_clip(tmp_path, production, superuser):
    """A clip of this production, with AI edits permitted everywhere."""
    return ingest_cleared_clip(
        tmp_path, production, superuser, ["ai_edit"], seconds=2, size=(64, 48)
    )


MASK = [[[8, 8], [40, 8], [40, 32], [8, 32]]]
