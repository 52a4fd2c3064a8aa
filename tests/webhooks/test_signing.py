"""The signature scheme, and the verification recipe we hand to receivers, run as published."""

import re
import time
from pathlib import Path

import pytest

from studio.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"data":{"asset":7},"id":"e1","type":"asset.ingested"}'
README = Path(__file__).resolve().parents[2] / "README.md"


def _recipe_source(text: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (recipe,) = [b for b in blocks if "def verify_clearcut_signature" in b]
    return recipe


@pytest.fixture
def recipe():
    """The function exactly as printed in signing.py's docstring."""
    namespace: dict = {}
    exec(_recipe_source(signing.__doc__), namespace)  # noqa: S102  (our own published snippet)
    return namespace["verify_clearcut_signature"]


def test_the_published_recipe_accepts_a_fresh_signature(recipe):
    header = signing.sign(SECRET, int(time.time()), BODY)

    assert recipe(SECRET, header, BODY)


@pytest.mark.parametrize(
    ("secret", "body", "age"),
    [
        ("whsec_wrong", BODY, 0),
        (SECRET, BODY.replace(b"7", b"8"), 0),
        (SECRET, BODY, 301),
        (SECRET, BODY, -301),
    ],
    ids=["wrong secret", "changed body", "stale", "from the future"],
)
def test_the_recipe_and_verify_refuse_what_was_not_signed_now(recipe, secret, body, age):
    header = signing.sign(SECRET, int(time.time()) - age, BODY)

    assert not recipe(secret, header, body)
    assert not signing.verify(secret, header, body)


def test_verify_accepts_a_fresh_signature_and_the_body_as_text():
    now = int(time.time())
    header = signing.sign(SECRET, now, BODY)

    assert signing.verify(SECRET, header, BODY)
    assert signing.verify(SECRET, header, BODY.decode())
    assert signing.verify(SECRET, header, BODY, tolerance_seconds=10, now=now + 10)
    assert not signing.verify(SECRET, header, BODY, tolerance_seconds=10, now=now + 11)


def test_the_header_is_the_hmac_of_timestamp_dot_body():
    header = signing.sign("key", 1700000000, b"{}")

    # printf '1700000000.{}' | openssl dgst -sha256 -hmac key
    assert header == (
        "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
    )


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", "t=abc,v1=abc", "t=1700000000", "garbage"],
    ids=["empty", "no timestamp", "bad timestamp", "no signature", "garbage"],
)
def test_malformed_headers_are_refused(recipe, header):
    assert not signing.verify(SECRET, header, BODY, now=1700000000)
    assert not recipe(SECRET, header, BODY)


def test_a_second_v1_lets_a_receiver_match_either_signature():
    now = int(time.time())
    good = signing.sign(SECRET, now, BODY).split(",")[1]

    assert signing.verify(SECRET, f"t={now},v1={'0' * 64},{good}", BODY)


def test_the_readme_prints_the_same_recipe():
    assert _recipe_source(README.read_text()) == _recipe_source(signing.__doc__)
