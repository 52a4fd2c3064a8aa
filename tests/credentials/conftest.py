import pytest

from assets.credentials.devcert import write_dev_chain
from assets.credentials.manifest import ModelFacts, OutputFacts


@pytest.fixture
def chain(tmp_path):
    return write_dev_chain(tmp_path / "pki")


@pytest.fixture
def signing(settings, chain, tmp_path):
    """Sign with a fresh development chain and trust its root."""
    settings.C2PA_SIGNING_CHAIN = str(chain.chain_pem)
    settings.C2PA_SIGNING_KEY = str(chain.key_pem)
    settings.C2PA_TRUST_ANCHORS = str(chain.root_pem)
    settings.C2PA_DEV_DEFAULTS = False
    settings.C2PA_ALLOW_DEV_CERTIFICATE = True
    return chain


@pytest.fixture
def untrusting(settings):
    settings.C2PA_TRUST_ANCHORS = None


@pytest.fixture
def facts():
    return OutputFacts(
        title="output",
        operation="remove_object",
        model=ModelFacts(3, "tiny-inpaint", "2026.11", "ab" * 32),
        job_id=41,
        seed=1234,
        frame_ranges=((120, 180),),
        grants=({"license": "L-12", "grant": 5, "asset": 9},),
        consents=({"consent": 2, "person": 7, "scope": "x"},),
        training_mining={"ai_training": {"use": "notAllowed"}},
    )
