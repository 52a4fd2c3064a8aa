from django.core.management.base import BaseCommand, CommandError

from studio.audit_checkpoints import CheckpointError, audit_checkpoint_write


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chains' heads to the checkpoint store "
        "(AUDIT_CHECKPOINT_DIR); beat does this every AUDIT_CHECKPOINT_INTERVAL_SECONDS."
    )

    def handle(self, *args, **options):
        try:
            name = audit_checkpoint_write()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        if name is None:
            self.stdout.write("No audit chain moved since the last checkpoint; nothing written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Checkpoint written: {name}"))
