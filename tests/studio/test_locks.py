"""One runner at a time for work that spans transactions (``studio.locks.sole_runner``)."""

import pytest
from django.db import connection, connections

from studio.locks import lock_ids, sole_runner

pytestmark = pytest.mark.django_db


def _other_takes(kind: str, key: int) -> bool:
    """Whether a second connection (another worker) gets the lock."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", lock_ids(kind, key))
            return cursor.fetchone()[0]
    finally:
        other.close()  # and the lock with it, if it took it


def test_the_lock_keeps_other_runners_out_until_the_work_ends():
    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's (other databases always grant it)")
    with sole_runner("tests.work", 7) as mine:
        assert mine
        assert not _other_takes("tests.work", 7)
        assert _other_takes("tests.work", 8)  # another piece of the same kind
        assert _other_takes("tests.other", 7)  # the same number of another kind
    assert _other_takes("tests.work", 7)


def test_work_nested_in_one_worker_takes_the_lock_again_and_both_release_it():
    if connection.vendor != "postgresql":
        pytest.skip("the lock is PostgreSQL's (other databases always grant it)")
    with sole_runner("tests.work", 9) as first, sole_runner("tests.work", 9) as second:
        # The same connection takes it again (PostgreSQL counts the takes): nested work is the
        # worker's own. Another connection still cannot take it, and can once both have ended.
        assert (first, second) == (True, True)
        assert not _other_takes("tests.work", 9)
    assert _other_takes("tests.work", 9)
