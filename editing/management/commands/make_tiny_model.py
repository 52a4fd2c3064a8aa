from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from editing.choices import ModelTask
from editing.models import ModelVersion
from editing.services import model_register
from editing.tiny import build_tiny_pipeline
from studio.actors import SystemActor

FAMILY, VERSION = "clearcut-tiny-sd", "2026.11"
PROVENANCE = {
    "trained_on": "nothing: randomly initialised weights, built from configs",
    "license": "Clearcut test fixture; no third-party data",
}


class Command(BaseCommand):
    help = (
        "Build a tiny, randomly initialised inpaint and img2img pipeline offline and register both."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", type=Path, default=None, help="where to build (default var/models/)"
        )

    def handle(self, *args, dir=None, **options):
        root = dir or Path(settings.VAR_DIR) / "models"
        for task in (ModelTask.INPAINT, ModelTask.IMG2IMG):
            existing = ModelVersion.objects.filter(
                family=FAMILY, version=VERSION, task=task
            ).first()
            if existing is not None:
                self.stdout.write(f"{existing} is registered ({existing.weights_sha256[:12]}…)")
                continue
            folder = root / f"{FAMILY}-{VERSION}-{task}"
            if not (folder / "model_index.json").exists():
                build_tiny_pipeline(task, folder, seed=1 if task == ModelTask.INPAINT else 2)
            model = model_register(
                actor=SystemActor("make_tiny_model"),
                family=FAMILY,
                version=VERSION,
                task=task,
                location=folder,
                provenance=PROVENANCE,
                max_side=128,
            )
            self.stdout.write(
                self.style.SUCCESS(f"Registered {model} ({model.weights_sha256[:12]}…) at {folder}")
            )
