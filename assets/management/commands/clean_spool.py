from django.core.management.base import BaseCommand, CommandError

from assets.janitor import SpoolUnsafe, spool_clean


class Command(BaseCommand):
    help = (
        "Remove spool files and folders (ingest spools, upload temporary files, render folders) "
        "older than the grace period that no running job owns."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, remove nothing")
        parser.add_argument(
            "--grace", type=int, metavar="SECONDS", help="default: SPOOL_GRACE_SECONDS"
        )

    def handle(self, *args, dry_run=False, grace=None, **options):
        if grace is not None and grace < 0:
            raise CommandError("--grace cannot be negative.")
        try:
            report = spool_clean(grace=grace, dry_run=dry_run)
        except SpoolUnsafe as exc:
            raise CommandError(str(exc)) from exc
        verb = "would remove" if dry_run else "removed"
        for item in report.removed:
            self.stdout.write(
                f"{verb} {item.path} ({item.size} bytes, {int(item.age_seconds)} s old)"
            )
        for path in report.kept_owned:
            self.stdout.write(f"kept {path} (its job is running)")
        self.stdout.write(
            f"{len(report.removed)} leftovers {verb}, {report.bytes_removed} bytes; "
            f"{len(report.kept_owned)} kept for running jobs, {report.kept_fresh} still fresh."
        )
