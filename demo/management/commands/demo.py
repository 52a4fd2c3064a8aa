from django.core.management.base import BaseCommand
from rich.console import Console

from demo.scenario import run_scenario


class Command(BaseCommand):
    help = "Run the end-to-end demo scenario on this installation's database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--ping-worker", action="store_true", help="round-trip a task through a running worker"
        )

    def handle(self, *args, ping_worker=False, **options):
        run_scenario(
            Console(file=self.stdout, force_terminal=False, width=140, soft_wrap=True),
            ping_worker=ping_worker,
        )
