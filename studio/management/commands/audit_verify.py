from django.core.management.base import BaseCommand, CommandError

from studio.audit import audit_verify
from studio.models import Production


class Command(BaseCommand):
    help = "Re-compute the audit hash chains; exit non-zero naming the first bad event."

    def add_arguments(self, parser):
        parser.add_argument(
            "--production", metavar="CODE", help="verify one production's chain only"
        )

    def handle(self, *args, production=None, **options):
        scope = None
        if production:
            scope = Production.objects.filter(code=production).first()
            if scope is None:
                raise CommandError(f"No production with code {production!r}.")
        report = audit_verify(production=scope)
        if not report.ok:
            for problem in report.problems[1:]:
                self.stderr.write(f"also: {problem}")
            raise CommandError(f"Audit chain broken at {report.first_problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.events} events in {report.chains} chain(s)."
            )
        )
