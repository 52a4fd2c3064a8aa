"""`manage.py check --deploy` is clean with production settings, apart from our database-role warnings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks
from django.db import connection

from studio.checks import AUDIT_TABLE, check_database_role, role_warnings

ROOT = Path(__file__).resolve().parents[2]


class FakeCursor:
    def __init__(self, row):
        self.row = row
        self.executed = []

    def execute(self, sql, params):
        self.executed.append((sql, params))

    def fetchone(self):
        return self.row


def production_env(tmp_path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "clearcut.example.org",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "CLEARCUT_VAR_DIR": str(tmp_path),
    }


def test_a_superuser_role_is_warned_about():
    found = role_warnings(FakeCursor(("clearcut", True, True)))

    assert [w.id for w in found] == ["studio.W001"]
    assert isinstance(found[0], checks.Warning)
    assert "superuser" in found[0].msg
    assert "not a superuser" in found[0].hint


def test_the_audit_table_owner_is_warned_about():
    cursor = FakeCursor(("clearcut_owner", False, True))

    found = role_warnings(cursor)

    assert [w.id for w in found] == ["studio.W002"]
    assert AUDIT_TABLE in found[0].msg
    assert cursor.executed[0][1] == [AUDIT_TABLE]


@pytest.mark.parametrize("row", [("clearcut_app", False, False), None])
def test_a_plain_application_role_passes(row):
    assert role_warnings(FakeCursor(row)) == []


@pytest.mark.django_db
def test_an_unreachable_database_gives_a_note_not_a_crash(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the role check runs on PostgreSQL only")

    def refuse():
        from django.db import OperationalError  # noqa: PLC0415

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    assert [m.id for m in check_database_role()] == ["studio.I001"]


def test_the_check_says_nothing_on_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    assert check_database_role() == []


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("production runs on PostgreSQL; set DATABASE_URL")
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=production_env(tmp_path, url),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    issues = [line for line in result.stderr.splitlines() if line.startswith("?:")]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        is_superuser = cursor.fetchone()[0]
    expected = ["studio.W001"] if is_superuser else []
    assert [line.split("(")[1].split(")")[0] for line in issues] == expected, result.stderr
    if is_superuser:
        assert "Connect as a role that is not a superuser" in result.stderr
