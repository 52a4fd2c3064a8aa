"""On PostgreSQL, refuse UPDATE and DELETE on the audit table, whoever the client is.

TRUNCATE is refused by a statement trigger (0005); production grants the application role INSERT and
SELECT only on this table.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION studio_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'studio_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER studio_auditevent_append_only
    BEFORE UPDATE OR DELETE ON studio_auditevent
    FOR EACH ROW EXECUTE FUNCTION studio_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS studio_auditevent_append_only ON studio_auditevent;
DROP FUNCTION IF EXISTS studio_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
