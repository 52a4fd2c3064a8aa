from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from assets.credentials.devcert import write_dev_chain


class Command(BaseCommand):
    help = (
        "Write a development C2PA signing chain (root, intermediate, leaf and key) under var/c2pa/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="where to write (default var/c2pa/)"
        )
        parser.add_argument("--force", action="store_true", help="replace an existing chain")

    def handle(self, *args, dir=None, force=False, **options):
        folder = dir or Path(settings.C2PA_DEV_DIR)
        if (folder / "chain.pem").exists() and not force:
            if options["verbosity"]:
                self.stdout.write(
                    f"A development chain already exists in {folder} (--force replaces it)."
                )
            return
        chain = write_dev_chain(folder)
        if not options["verbosity"]:
            return
        self.stdout.write(self.style.SUCCESS(f"Development chain written to {folder}:"))
        for name, path in (
            ("trust anchor", chain.root_pem),
            ("chain", chain.chain_pem),
            ("key", chain.key_pem),
        ):
            self.stdout.write(f"  {name:13} {path}")
        self.stdout.write("Production refuses it unless C2PA_ALLOW_DEV_CERTIFICATE is set.")
