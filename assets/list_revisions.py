"""The revision of what productions' asset lists show, kept by the database (PostgreSQL).

Triggers add a ``ListChange`` row per production for every statement that changes its assets,
their appearances or its code (``assets/migrations/0005_asset_list_revisions.py``). A production's
revision is its rows there plus the count folded into ``ListRevision``; ``revision`` reads the sum
over a set of productions in one statement, so it moves with every commit that changes any of their
lists and never goes back. ``compact`` folds the rows into the counts (a beat task, every minute),
in one statement, so a reader sees the same sum before and after.
"""

from __future__ import annotations

from django.db import connection

from assets.models import ListChange, ListRevision
from studio.models import ApiToken
from studio.prepared import statement_cursor

_CHANGES = ListChange._meta.db_table
_FOLDED = ListRevision._meta.db_table

REVISION_SQL = (
    f"SELECT COALESCE((SELECT SUM(revision) FROM {_FOLDED} WHERE production_id = ANY(%s)), 0)"  # noqa: S608  (table names from the models)
    f" + (SELECT COUNT(*) FROM {_CHANGES} WHERE production_id = ANY(%s))"
)

COMPACT_SQL = (
    f"WITH folded AS (DELETE FROM {_CHANGES} RETURNING production_id) "  # noqa: S608  (table names from the models)
    f"INSERT INTO {_FOLDED} (production_id, revision) "
    "SELECT production_id, COUNT(*) FROM folded GROUP BY production_id ORDER BY production_id "
    f"ON CONFLICT (production_id) DO UPDATE SET revision = {_FOLDED}.revision + EXCLUDED.revision"
)


def token_revision_sql(token: str) -> str:
    """``revision`` over an API token's productions, as a column of the statement that reads the
    token (``token``: the token table's quoted name there), so a list costs no round trip more."""
    links = ApiToken.productions.through._meta.db_table
    ids = f"SELECT production_id FROM {links} WHERE apitoken_id = {token}.id"  # noqa: S608  (names from the models)
    return (
        f"(COALESCE((SELECT SUM(revision) FROM {_FOLDED} WHERE production_id IN ({ids})), 0)"  # noqa: S608  (names from the models)
        f" + (SELECT COUNT(*) FROM {_CHANGES} WHERE production_id IN ({ids})))"
    )


def revision(production_ids: list[int]) -> int:
    """The revision of the asset lists of these productions: it grows with every committed change
    to any of them. Read it before the data it stands for, so the data is at least that recent."""
    ids = [int(pk) for pk in production_ids]
    with statement_cursor(connection) as cursor:
        cursor.execute(REVISION_SQL, [ids, ids])
        return int(cursor.fetchone()[0])


def compact() -> int:
    """Fold the change rows into their productions' counts; the number of productions folded."""
    with connection.cursor() as cursor:
        cursor.execute(COMPACT_SQL)
        return max(cursor.rowcount, 0)
