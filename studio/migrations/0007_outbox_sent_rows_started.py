from django.db import migrations
from django.db.models import F


def mark_sent_rows_started(apps, schema_editor):
    """Rows sent before workers reported starts are taken as started, so the first dispatcher run
    after the upgrade does not send them all again."""
    message = apps.get_model("studio", "OutboxMessage")
    message.objects.filter(status="sent", started_at__isnull=True).update(started_at=F("sent_at"))


class Migration(migrations.Migration):
    dependencies = [("studio", "0006_outbox_started")]

    operations = [migrations.RunPython(mark_sent_rows_started, migrations.RunPython.noop)]
