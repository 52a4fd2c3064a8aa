from django.core.management.base import BaseCommand, CommandError

from studio.audit import audit_verify, chain_for
from studio.audit_checkpoints import CheckpointError, audit_verify_checkpoints
from studio.models import Production


class Command(BaseCommand):
    help = (
        "Re-compute the audit hash chains; exit non-zero naming the first bad event. With "
        "--checkpoints, also compare the chains with their signed checkpoints."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--production", metavar="CODE", help="verify one production's chain only"
        )
        parser.add_argument(
            "--checkpoints",
            action="store_true",
            help="check the signed checkpoints too: finds a tail rewritten with recomputed hashes",
        )

    def handle(self, *args, production=None, checkpoints=False, **options):
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
        if checkpoints:
            self._check_checkpoints({chain_for(scope)} if scope else None)

    def _check_checkpoints(self, chains):
        try:
            report = audit_verify_checkpoints(chains=chains)
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            for problem in report.problems[1:]:
                self.stderr.write(f"also: {problem}")
            raise CommandError(f"Audit checkpoints disagree: {report.problems[0]}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoints agree: {report.checkpoints} signed checkpoint(s), "
                f"{report.heads_checked} checkpointed head(s) match the chains."
            )
        )
