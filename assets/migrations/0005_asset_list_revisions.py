"""A revision per production for what its asset list shows, kept by the database.

Every statement that inserts, updates or deletes assets or appearances, or changes a production's
code, adds one row per production it touched to ``assets_listchange`` (statement triggers over the
transition tables: one insert per statement, however many rows it changed). Nothing is locked, so
concurrent writers never wait on each other; a production's revision is the rows counted here plus
those folded into ``assets_listrevision``, and it only ever grows. API lists key their cached pages
and ETags on it (``studio.api.page_cache``).
"""

from django.db import migrations, models

# (table, event, transition tables, the production ids it touched)
_TOUCHED = {
    "asset": (
        "assets_asset",
        {
            "INSERT": ("NEW TABLE AS changed_new", "SELECT production_id FROM changed_new"),
            "UPDATE": (
                "OLD TABLE AS changed_old NEW TABLE AS changed_new",
                "SELECT production_id FROM changed_new UNION SELECT production_id FROM changed_old",
            ),
            "DELETE": ("OLD TABLE AS changed_old", "SELECT production_id FROM changed_old"),
        },
    ),
    "appearance": (
        "assets_appearance",
        {
            "INSERT": (
                "NEW TABLE AS changed_new",
                "SELECT a.production_id FROM changed_new c "
                "JOIN assets_asset a ON a.id = c.asset_id",
            ),
            "UPDATE": (
                "OLD TABLE AS changed_old NEW TABLE AS changed_new",
                "SELECT a.production_id FROM changed_new c JOIN assets_asset a ON a.id = c.asset_id "
                "UNION SELECT a.production_id FROM changed_old c "
                "JOIN assets_asset a ON a.id = c.asset_id",
            ),
            "DELETE": (
                "OLD TABLE AS changed_old",
                "SELECT a.production_id FROM changed_old c "
                "JOIN assets_asset a ON a.id = c.asset_id",
            ),
        },
    ),
    "production": (
        "studio_production",
        {
            "UPDATE": (
                "OLD TABLE AS changed_old NEW TABLE AS changed_new",
                "SELECT n.id FROM changed_new n JOIN changed_old o ON o.id = n.id "
                "WHERE n.code IS DISTINCT FROM o.code",
            ),
        },
    ),
}


def _statements() -> tuple[list[str], list[str]]:
    create, drop = [], []
    for subject, (table, events) in _TOUCHED.items():
        for event, (transitions, touched) in events.items():
            name = f"assets_list_{subject}_{event.lower()}"
            # Names and SQL from the table above; no value in the text.
            create.append(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$\n"  # noqa: S608
                "BEGIN\n"
                "    INSERT INTO assets_listchange (production_id)\n"
                f"    SELECT DISTINCT id FROM ({touched}) AS touched(id) ORDER BY 1;\n"
                "    RETURN NULL;\n"
                "END;\n"
                "$$ LANGUAGE plpgsql;\n"
                f"CREATE TRIGGER {name} AFTER {event} ON {table}\n"
                f"    REFERENCING {transitions}\n"
                f"    FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
            )
            drop.append(
                f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"
            )
    return create, drop


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements()[0]:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements()[1]:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_c2pa_states_remote_and_ingredient_failed"),
        ("studio", "0009_audit_head_follows_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="ListRevision",
            fields=[
                ("production_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("revision", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="ListChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("production_id", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["production_id"], name="asset_listchange_prod_idx")
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
