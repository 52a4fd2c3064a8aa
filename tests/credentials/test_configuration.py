"""Signing configuration problems surface at start-up or at the configuration check, never at the
first edit; a KMS/HSM can sign through the callback interface."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from assets.checks import check_trust_anchors_at_startup
from assets.choices import C2paState
from assets.credentials.config import LocalKeySigner, check_signing_configuration
from assets.credentials.devcert import write_dev_chain
from assets.credentials.reading import read_credentials
from assets.credentials.stamp import stamp
from assets.synthetic import make_still

ROOT = Path(__file__).resolve().parents[2]
CALLS = []


class RecordingKmsSigner(LocalKeySigner):
    """Stands in for a KMS: the private key is used only through ``sign``."""

    def sign(self, data: bytes) -> bytes:
        CALLS.append(len(data))
        return super().sign(data)


def test_the_callback_signer_signs_every_claim(tmp_path, settings, signing, facts):
    settings.C2PA_SIGNER = "tests.credentials.test_configuration.RecordingKmsSigner"
    CALLS.clear()

    result = stamp(
        source=make_still(tmp_path / "raw.jpg"),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    )

    assert len(CALLS) == 1
    assert read_credentials(result.path, "image/jpeg").state == C2paState.TRUSTED


def test_a_key_that_does_not_match_the_certificate_is_a_configuration_error(
    tmp_path, settings, signing
):
    other = write_dev_chain(tmp_path / "other")
    settings.C2PA_SIGNING_KEY = str(other.key_pem)

    problems = check_signing_configuration()

    assert any("does not match the signing certificate" in p for p in problems)
    with pytest.raises(SystemCheckError, match="does not match"):
        call_command("check")


def test_a_development_certificate_is_refused_in_production(settings, signing):
    settings.C2PA_ALLOW_DEV_CERTIFICATE = False

    assert any("development" in p for p in check_signing_configuration())


def test_a_good_configuration_has_no_problems(signing):
    assert check_signing_configuration() == []


def test_trust_anchors_that_are_not_pem_stop_start_up(tmp_path, settings):
    garbage = tmp_path / "anchors.pem"
    garbage.write_text("this is not a certificate")
    settings.C2PA_TRUST_ANCHORS = str(garbage)

    with pytest.raises(ImproperlyConfigured, match="not a PEM file"):
        check_trust_anchors_at_startup()


def test_the_process_refuses_to_start_with_bad_anchors(tmp_path):
    garbage = tmp_path / "anchors.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "studio.settings_test",
        "C2PA_TRUST_ANCHORS": str(garbage),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "C2PA_TRUST_ANCHORS" in result.stderr
    assert "not a PEM file" in result.stderr
