import getpass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from assets.choices import AssetOrigin
from assets.services import asset_ingest, server_paths_expand
from studio.actors import SystemActor
from studio.exceptions import PayloadTooLarge
from studio.models import Production


class ProgressReader:
    """A file wrapper that advances a progress bar by the bytes read through it."""

    def __init__(self, handle, bar):
        self.handle, self.bar = handle, bar

    def readinto(self, buffer) -> int:
        count = self.handle.readinto(buffer)
        self.bar.update(count)
        return count


class Command(BaseCommand):
    help = (
        "Ingest files or folders (recursively) that lie on this server, below ASSET_INGEST_ROOTS."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--production", required=True, metavar="CODE")
        parser.add_argument("--origin", default=AssetOrigin.DAILIES, choices=AssetOrigin.values)
        parser.add_argument(
            "--user", help="act as this user (default: the operator, as a system actor)"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, paths, production, origin, user=None, no_progress=False, **options):
        target = Production.objects.filter(code=production).first()
        if target is None:
            raise CommandError(f"No production with code {production!r}.")
        actor = self._actor(user)
        try:
            files = server_paths_expand(paths)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        failures = self._ingest_all(files, actor, target, origin, disable=no_progress)
        if failures:
            raise CommandError(f"{failures} of {len(files)} file(s) were not ingested.")

    def _actor(self, username):
        if not username:
            return SystemActor(f"cli:{getpass.getuser()}")
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        return user

    def _ingest_all(self, files, actor, production, origin, *, disable) -> int:
        failures = 0
        total = sum(f.stat().st_size for f in files)
        with tqdm(
            total=total, unit="B", unit_scale=True, unit_divisor=1024, disable=disable
        ) as bar:
            for path in files:
                bar.set_description(path.name[:30])
                try:
                    with path.open("rb") as handle:
                        result = asset_ingest(
                            actor=actor,
                            production=production,
                            source=ProgressReader(handle, bar),
                            filename=path.name,
                            origin=origin,
                        )
                except (ValidationError, PayloadTooLarge, PermissionDenied) as exc:
                    failures += 1
                    message = " ".join(getattr(exc, "messages", [str(exc)]))
                    self.stderr.write(self.style.ERROR(f"refused {path}: {message}"))
                    continue
                verb = "ingested" if result.created else "already present"
                self.stdout.write(
                    f"{verb} {path.name}: asset {result.asset.pk} {result.asset.kind} {result.asset.status}"
                )
        return failures
