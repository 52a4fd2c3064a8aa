"""Work that one process at a time may do, across transactions: a PostgreSQL session advisory lock.

A row lock lasts one transaction; work done in many (a taint run's batches) is kept to one runner
by an advisory lock on the connection instead. It is released when the work ends, and by PostgreSQL
when the connection closes, so a worker killed mid-way never leaves it held. Other databases (SQLite
in development, which serialises its writers anyway) always grant it.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

log = logging.getLogger(__name__)
INT4 = 2**31


def lock_ids(kind: str, key: int) -> tuple[int, int]:
    """The advisory lock's two int4 keys for ``kind`` number ``key``."""
    return zlib.crc32(kind.encode()) % INT4, key % INT4


@contextmanager
def sole_runner(kind: str, key: int) -> Iterator[bool]:
    """Whether this connection holds the lock on ``kind`` number ``key`` (tried, never waited
    for); held until the block ends."""
    if connection.vendor != "postgresql":
        yield True
        return
    ids = lock_ids(kind, key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", ids)
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", ids)
            except DatabaseError:  # closing the connection releases it: never left to a reuser
                log.warning("Could not release the %s %s lock; closing its connection.", kind, key)
                connection.close()
