from django.core.management.base import BaseCommand

from studio.outbox import outbox_dispatch, outbox_prune


class Command(BaseCommand):
    help = "Send the outbox's pending task messages now, and prune old sent ones."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=None)

    def handle(self, *args, batch_size=None, **options):
        outcomes = outbox_dispatch(batch_size=batch_size)
        pruned = outbox_prune()
        counts = ", ".join(f"{k} {outcomes[k]}" for k in sorted(outcomes)) or "nothing due"
        self.stdout.write(f"Outbox: {counts}; pruned {pruned}.")
