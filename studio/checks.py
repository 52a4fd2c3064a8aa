"""Deployment checks of our own (``manage.py check --deploy``).

The audit trail is append-only because a trigger refuses UPDATE and DELETE on its table
(``studio/migrations/0002_audit_append_only_trigger.py``). A role that can disable that trigger — a
superuser, or the table's owner (or a member of the owning role) — can rewrite history, so the web
and worker processes should connect as a role that is neither.
"""

from django.core import checks
from django.db import DatabaseError, connection

AUDIT_TABLE = "studio_auditevent"

ROLE_QUERY = """
SELECT r.rolname,
       r.rolsuper,
       COALESCE(pg_has_role(current_user, c.relowner, 'USAGE'), false)
FROM pg_roles r
LEFT JOIN pg_class c ON c.oid = to_regclass(%s)
WHERE r.rolname = current_user
"""

FIX = (
    "Run migrations as the owning role, and connect the web and worker processes as another role "
    "granted SELECT and INSERT on the audit table and the DML they need on the rest "
    "(README: Production)."
)


def role_warnings(cursor) -> list[checks.CheckMessage]:
    """Warnings for the connected role, read with ``cursor`` (one query)."""
    cursor.execute(ROLE_QUERY, [AUDIT_TABLE])
    row = cursor.fetchone()
    if row is None:
        return []
    role, is_superuser, owns_audit_table = row
    if is_superuser:
        return [
            checks.Warning(
                f"The database role {role!r} is a PostgreSQL superuser: it can disable the "
                "audit trail's append-only trigger.",
                hint=f"Connect as a role that is not a superuser. {FIX}",
                id="studio.W001",
            )
        ]
    if owns_audit_table:
        return [
            checks.Warning(
                f"The database role {role!r} owns the audit table {AUDIT_TABLE} (or is a member "
                "of its owning role): it can disable the audit trail's append-only trigger.",
                hint=FIX,
                id="studio.W002",
            )
        ]
    return []


@checks.register("clearcut", deploy=True)
def check_database_role(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            return role_warnings(cursor)
    except DatabaseError:
        return [
            checks.Info(
                "The database could not be reached, so its role was not checked.",
                hint="Run `manage.py check --deploy` where the database is reachable.",
                id="studio.I001",
            )
        ]
