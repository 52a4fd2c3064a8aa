"""Settings are read in a fresh interpreter per case, so each case sees only its own environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_URL,
    "storage": settings.STORAGES["default"]["BACKEND"],
    "media_root": str(settings.MEDIA_ROOT),
    "secret_len": len(settings.SECRET_KEY),
}))
"""
CLEARED = (
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "ALLOWED_HOSTS",
    "AWS_STORAGE_BUCKET_NAME",
    "CLEARCUT_VAR_DIR",
    "MEDIA_ROOT",
)


def _settings(tmp_path, script=PROBE, **env):
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean |= {"DJANGO_SETTINGS_MODULE": "studio.settings", "CLEARCUT_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_nothing_set_it_runs_embedded(tmp_path):
    result = _settings(tmp_path)

    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"] == str(tmp_path / "clearcut.sqlite3")
    assert found["broker"] == "filesystem://"
    assert found["storage"] == "django.core.files.storage.FileSystemStorage"
    assert found["media_root"] == str(tmp_path / "media")
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_selects_postgres_redis_and_s3(tmp_path):
    result = _settings(
        tmp_path,
        DEBUG="false",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="clearcut.example",
        DATABASE_URL="postgres://app@db.internal:5432/clearcut",
        CELERY_BROKER_URL="redis://cache.internal:6379/2",
        AWS_STORAGE_BUCKET_NAME="footage",
    )

    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found == found | {
        "debug": False,
        "engine": "django.db.backends.postgresql",
        "db_name": "clearcut",
        "broker": "redis://cache.internal:6379/2",
        "storage": "storages.backends.s3.S3Storage",
        "secret_len": 60,
    }


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"]
)
def test_outside_debug_a_missing_required_variable_fails_loudly(tmp_path, missing):
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "k" * 60,
        "ALLOWED_HOSTS": "clearcut.example",
        "DATABASE_URL": "postgres://app@db.internal:5432/clearcut",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/2",
    }
    del env[missing]

    result = _settings(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_a_malformed_boolean_is_refused(tmp_path):
    result = _settings(tmp_path, DEBUG="perhaps")

    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_production_settings_pass_the_deploy_checklist(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in CLEARED} | {
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "CLEARCUT_VAR_DIR": str(tmp_path),
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "clearcut.example",
        "DATABASE_URL": "postgres://app@db.internal:5432/clearcut",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/2",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


WEB_PROCESS = """
import json, sys, django
django.setup()
from django.core.management import call_command
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as the first request would load them
call_command("check")
print(json.dumps(sorted(m for m in ("torch", "diffusers", "transformers", "peft") if m in sys.modules)))
"""


def test_web_processes_never_load_the_machine_learning_stack(tmp_path):
    """Only GPU workers need torch and diffusers: the admin and the API start without them."""
    result = _settings(tmp_path, WEB_PROCESS)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_environment_example_names_every_variable_clearcut_reads():
    import re  # noqa: PLC0415  (this case alone reads the sources)

    read = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "bench" in path.parts:
            continue
        read |= set(
            re.findall(r"\benv_(?:bool|int|str|list|path)\(\s*\"([A-Z0-9_]+)\"", path.read_text())
        )
    example = (ROOT / "deploy" / "clearcut.env.example").read_text()
    assert len(read) > 40
    assert sorted(name for name in read if name not in example) == []
