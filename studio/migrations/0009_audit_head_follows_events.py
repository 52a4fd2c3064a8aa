"""Move a chain's head to each event appended to it, in the database.

Every event written moves its chain's head (``AuditChainHead``) forward to its ``seq`` and
``hash``, whoever wrote it, so the head can never lag behind the rows and writers save one statement
per event. The head only moves forward: a batch inserted in any order, or rows restored from a
backup, leave it on the chain's highest event.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE OR REPLACE FUNCTION studio_auditevent_move_head() RETURNS trigger AS $$
BEGIN
    UPDATE studio_auditchainhead
       SET last_seq = NEW.seq, last_hash = NEW.hash, updated_at = NEW.occurred_at
     WHERE chain = NEW.chain AND last_seq < NEW.seq;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER studio_auditevent_move_head
    AFTER INSERT ON studio_auditevent
    FOR EACH ROW EXECUTE FUNCTION studio_auditevent_move_head();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS studio_auditevent_move_head ON studio_auditevent;
DROP FUNCTION IF EXISTS studio_auditevent_move_head();
"""

SQLITE_CREATE = """
CREATE TRIGGER studio_auditevent_move_head AFTER INSERT ON studio_auditevent
BEGIN
    UPDATE studio_auditchainhead
       SET last_seq = NEW.seq, last_hash = NEW.hash, updated_at = NEW.occurred_at
     WHERE chain = NEW.chain AND last_seq < NEW.seq;
END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS studio_auditevent_move_head;"

STATEMENTS = {
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
}


def create_trigger(apps, schema_editor):
    create, _ = STATEMENTS[schema_editor.connection.vendor]
    schema_editor.execute(create, params=None)


def drop_trigger(apps, schema_editor):
    _, drop = STATEMENTS[schema_editor.connection.vendor]
    schema_editor.execute(drop, params=None)


class Migration(migrations.Migration):
    dependencies = [("studio", "0008_iso_datetime_function")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
