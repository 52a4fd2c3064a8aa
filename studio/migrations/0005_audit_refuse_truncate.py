"""On PostgreSQL, refuse TRUNCATE of the audit table too, whoever the client is.

Row triggers do not fire for TRUNCATE; a statement trigger does. Like the UPDATE/DELETE refusal,
only a role that may disable triggers (the table owner, a superuser) gets past it, and then the
signed checkpoints (``audit_verify --checkpoints``) still show what was removed.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER studio_auditevent_no_truncate
    BEFORE TRUNCATE ON studio_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION studio_auditevent_append_only();
"""

DROP = "DROP TRIGGER IF EXISTS studio_auditevent_no_truncate ON studio_auditevent;"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("studio", "0004_outbox")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
