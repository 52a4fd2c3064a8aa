"""Idempotency keys for submitting runs (edit jobs, training runs).

A key belongs to one requester in one production and is bound to the request it first came with:
the same key with the same request returns the run already made, with a different request it is
refused. Concurrent submits with one key are safe because the run is inserted under the unique
constraint on (requester, production, key) inside a savepoint: PostgreSQL makes a second insert wait
for the first transaction, and when that commits the loser re-reads the winner instead.
"""

from __future__ import annotations

import hashlib
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from editing.models.jobs import IDEMPOTENCY_KEY_MAX_CHARS
from studio.models.audit import canonical_json

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]*")  # printable ASCII, no spaces


class IdempotencyKeyReused(Exception):
    """The key was already used for a different request (HTTP 422)."""

    field = HEADER


def idempotency_key_checked(key: str) -> str:
    """The key as given, or a ValidationError naming the header: never shortened."""
    if len(key) > IDEMPOTENCY_KEY_MAX_CHARS or not _KEY.fullmatch(key):
        raise ValidationError(
            {
                HEADER: f"At most {IDEMPOTENCY_KEY_MAX_CHARS} printable ASCII characters without "
                f"spaces ({len(key)} given)."
            }
        )
    return key


def request_fingerprint(request: dict) -> str:
    """SHA-256 of the request's canonical JSON (objects given by their ids)."""
    return hashlib.sha256(canonical_json(request).encode()).hexdigest()


def run_replayed(model, *, requester_id: int | None, production, key: str, fingerprint: str):
    """The run already made with this key, or None; IdempotencyKeyReused if the request differs."""
    if not key:
        return None
    run = model.objects.filter(
        requested_by_id=requester_id, production=production, idempotency_key=key
    ).first()
    # A run stored before requests were fingerprinted has none and matches any request.
    if run is not None and run.idempotency_fingerprint not in ("", fingerprint):
        raise IdempotencyKeyReused(
            f"The {HEADER} {key!r} was already used for a different request in this production."
        )
    return run


def run_create_once(model, *, key: str, fingerprint: str, **fields):
    """Insert a run under its key: (run, True), or (the run a concurrent submit made, False)."""
    if not key:
        return model.objects.create(**fields), True
    try:
        with transaction.atomic():
            run = model.objects.create(
                idempotency_key=key, idempotency_fingerprint=fingerprint, **fields
            )
    except IntegrityError:
        winner = run_replayed(
            model,
            requester_id=fields["requested_by_id"],
            production=fields["production"],
            key=key,
            fingerprint=fingerprint,
        )
        if winner is None:
            raise
        return winner, False
    return run, True
