"""How webhook bodies are signed, and how a receiver checks them.

Every POST carries ``Clearcut-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 keyed with the subscription's secret over ``f"{t}.{body}"`` — the timestamp, a dot and
the raw request body exactly as received (UTF-8 JSON). Signing the timestamp with the body lets a
receiver refuse replays of an old request. Verify before parsing the JSON, compare in constant time,
and use the ``Clearcut-Delivery`` header (the event id) to drop a delivery you have already seen:
deliveries are at least once.

Verification recipe (standard library only; ``body`` is the raw request body as bytes):

```python
import hashlib
import hmac
import time


def verify_clearcut_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    fields = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False  # stale, or a clock far off: refuse replays
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))
```
"""

from __future__ import annotations

import hashlib
import hmac
import time

from studio.values import whole_number

SIGNATURE_VERSION = "v1"
MAX_TIMESTAMP = 10**12  # unix seconds, far beyond any clock; a longer "t" is no timestamp


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


def _digest(secret: str, timestamp: int, body: bytes | str) -> str:
    signed = f"{timestamp}.".encode() + _as_bytes(body)
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes | str) -> str:
    """The ``Clearcut-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SIGNATURE_VERSION}={_digest(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and (number := whole_number(value, high=MAX_TIMESTAMP)) is not None:
            timestamp = number
        elif key == SIGNATURE_VERSION and value:
            signatures.append(value)
    return timestamp, signatures


def verify(
    secret: str,
    header: str,
    body: bytes | str,
    tolerance_seconds: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` within ``tolerance_seconds`` of now."""
    timestamp, signatures = _parse(header or "")
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_seconds:
        return False
    expected = _digest(secret, timestamp, body)
    # Every candidate is compared, so the time taken says nothing about which one matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in signatures]
    return any(matches)
