from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assets.janitor import storage_orphan_delete, storage_orphans, storage_orphans_audit


class Command(BaseCommand):
    help = (
        "List stored objects under originals/, derived/ and adapters/ that no row references and "
        "that are older than the grace period; remove them only with --delete."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove what is listed")
        parser.add_argument(
            "--grace-days", type=int, metavar="N", help="default: STORAGE_ORPHAN_GRACE_DAYS"
        )

    def handle(self, *args, delete=False, grace_days=None, **options):
        days = settings.STORAGE_ORPHAN_GRACE_DAYS if grace_days is None else grace_days
        if days < 0:
            raise CommandError("--grace-days cannot be negative.")
        count = total = removed = removed_bytes = 0
        for orphan in storage_orphans(grace_days=days):
            count, total = count + 1, total + orphan.size
            if delete and storage_orphan_delete(orphan=orphan):
                removed, removed_bytes = removed + 1, removed_bytes + orphan.size
                self.stdout.write(f"deleted {orphan.key} ({orphan.size} bytes)")
            elif delete:
                self.stdout.write(f"kept {orphan.key} (a row references it now)")
            else:
                self.stdout.write(
                    f"{orphan.key}\t{orphan.size}\t{orphan.modified.isoformat(timespec='seconds')}"
                )
        self.stdout.write(f"{count} orphans older than {days} days, {total} bytes in all.")
        if delete:
            self.stdout.write(f"{removed} deleted, {removed_bytes} bytes.")
            if removed:
                storage_orphans_audit(removed=removed, total_bytes=removed_bytes, grace_days=days)
        elif count:
            self.stdout.write("Nothing deleted (dry run); run again with --delete to remove them.")
