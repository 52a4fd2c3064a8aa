"""One correlation id per user action, shared by every audit event that action writes.

The request middleware and Celery tasks open a scope; ``audit_record`` reads the current id, and
``CorrelationIdFilter`` puts it on every log line (the reference a failed page shows).
"""

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("clearcut_correlation_id", default=None)
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def clean_correlation_id(candidate: str | None) -> str:
    """A caller-supplied id if it is well formed, else a fresh one (never trust header contents)."""
    if candidate and _VALID.match(candidate):
        return candidate
    return new_correlation_id()


def current_correlation_id() -> str | None:
    return _current.get()


@contextmanager
def correlation_scope(correlation_id: str | None = None) -> Iterator[str]:
    """Run a block under one correlation id; nested scopes keep the outer id."""
    outer = _current.get()
    value = outer or clean_correlation_id(correlation_id)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


class CorrelationIdFilter(logging.Filter):
    """Gives every log record the current correlation id (``-`` outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _current.get() or "-"
        return True
