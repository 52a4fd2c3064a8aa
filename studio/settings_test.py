"""Test settings: the real settings, with fast hashing, captured email and test-only conveniences."""

import os
from pathlib import Path

os.environ.setdefault("DEBUG", "true")
# Tests keep their files (SQLite file, media, filesystem broker) apart from a developer's var/.
os.environ.setdefault(
    "CLEARCUT_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test")
)

from studio.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not shared-cache memory: concurrency tests use several connections at once.
    DATABASES["default"]["TEST"] = {"NAME": VAR_DIR / "test-db.sqlite3"}  # noqa: F405

# A test runs in a transaction that the lease keeper's own connection cannot see, so its renewal
# would find no row and stop the work: an hour's lease never needs renewing within a test. The lease
# tests, and the worker processes the fault tests start, set their own.
if "EDITING_LEASE_SECONDS" not in os.environ:
    EDITING_LEASE_SECONDS = 3600
