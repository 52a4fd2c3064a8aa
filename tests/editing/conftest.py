"""Editing tests: tiny models built once per session; per test its own files, signing chain settings,
registered models, and a production where every AI use of the footage is licensed and consented.

No broker: the Celery ``.delay`` calls are recorded, and tests run jobs by calling the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from assets.credentials.devcert import write_dev_chain
from assets.models import Appearance, Asset, Person
from assets.services import asset_ingest
from assets.synthetic import make_clip, make_still
from editing.models import EditJob, ModelVersion
from editing.pipelines import pipeline_cache
from editing.services import edit_job_execute, edit_job_submit, model_register
from editing.tiny import build_tiny_pipeline
from licensing.models import Consent, Grant, License, Party
from studio.actors import SystemActor
from studio.models import Production

AI_ACTIONS = ("ai_edit", "edit", "ai_train", "ai_inference")


# --- built once per session -----------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """The tiny models are too small to gain from threads, and threads spinning against other
    processes on a 2-core CI runner make them many times slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def model_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_folders(model_root) -> dict[str, Path]:
    """A tiny inpainting and a tiny image-to-image pipeline, in diffusers format."""
    folders = {}
    for task, seed in (("inpaint", 1), ("img2img", 2)):
        folders[task] = model_root / task
        build_tiny_pipeline(task, folders[task], seed=seed)
    return folders


@pytest.fixture(scope="session")
def dev_chain(tmp_path_factory):
    return write_dev_chain(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Path:
    """Source files: stills (PNG, 64×48) and a 12-frame 64×48 clip at 24 fps with AAC audio."""
    folder = tmp_path_factory.mktemp("samples")
    for seed in (1, 2, 3):
        make_still(folder / f"still{seed}.png", size=(64, 48), seed=seed, format="PNG")
    make_clip(folder / "clip.mp4", seconds=0.5, fps=24, size=(64, 48), audio=True, seed=4)
    return folder


# --- per test -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path, dev_chain, model_root):
    """Own media root and spool; sign with the session's dev chain and trust its root; CPU only."""
    media, spool = tmp_path / "media", tmp_path / "spool"
    media.mkdir()
    spool.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = spool
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.C2PA_SIGNING_CHAIN = str(dev_chain.chain_pem)
    settings.C2PA_SIGNING_KEY = str(dev_chain.key_pem)
    settings.C2PA_TRUST_ANCHORS = str(dev_chain.root_pem)
    settings.C2PA_DEV_DEFAULTS = False
    settings.C2PA_ALLOW_DEV_CERTIFICATE = True
    settings.EDITING_MODEL_ROOTS = [model_root.resolve()]
    settings.EDITING_USE_CUDA = False  # the one GPU test turns it back on
    assert Path(default_storage.location) == media
    return media


@dataclass
class Queued:
    """What would have gone to the broker, by task."""

    edits: list[int]
    trainings: list[int]
    derivatives: list[int]


@pytest.fixture(autouse=True)
def queued(broker) -> Queued:
    return Queued(
        edits=broker.by_task["editing.gpu.run_edit_job"],
        trainings=broker.by_task["editing.gpu.run_training"],
        derivatives=broker.by_task["assets.make_derivatives"],
    )


@pytest.fixture
def fresh_cache():
    """An empty pipeline cache (hits and misses at zero), emptied again afterwards."""
    pipeline_cache().clear()
    yield pipeline_cache()
    pipeline_cache().clear()


@pytest.fixture
def models(db, tiny_folders) -> dict[str, ModelVersion]:
    return {
        task: model_register(
            actor=SystemActor("test"),
            family="tiny",
            version="1",
            task=task,
            location=folder,
            max_side=64,
        )
        for task, folder in tiny_folders.items()
    }


@dataclass
class EditWorld:
    """ALPHA, where ai_edit, edit, ai_train and ai_inference are granted on all footage, and Maya,
    who appears in the footage, consents to digital alteration and likeness training."""

    production: Production
    other: Production
    superuser: object
    coordinator: object
    legal: object
    license: License
    models: dict[str, ModelVersion]
    maya: Person
    samples: Path
    commit: object  # django_capture_on_commit_callbacks

    def ingest(self, source: str | Path, production=None, *, cast=True) -> Asset:
        """A file (or a sample, by name) as an asset of ALPHA (or ``production``), Maya in it."""
        path = source if isinstance(source, Path) else self.samples / source
        asset = asset_ingest(
            actor=self.superuser,
            production=production or self.production,
            source=path,
            filename=path.name,
        ).asset
        if cast:
            Appearance.objects.create(person=self.maya, asset=asset)
        return asset

    def still(self, seed: int = 1, **kwargs) -> Asset:
        return self.ingest(f"still{seed}.png", **kwargs)

    def clip(self, **kwargs) -> Asset:
        return self.ingest("clip.mp4", **kwargs)

    def person(self, name: str, *assets: Asset, scopes: tuple[str, ...] = ()) -> Person:
        person = Person.objects.create(name=name)
        person.productions.set([self.production])
        for scope in scopes:
            consent(person, scope, self.production)
        for asset in assets:
            Appearance.objects.create(person=person, asset=asset)
        return person

    def submit(self, operation: str, asset: Asset, *, actor=None, **fields) -> EditJob:
        """Submit as the coordinator (by default), running the after-commit hooks."""
        fields = {"territory": "US", "media": "svod", "seed": 7} | fields
        with self.commit(execute=True):
            return edit_job_submit(
                actor=actor or self.coordinator,
                production=self.production,
                operation=operation,
                inputs=[asset],
                **fields,
            )

    def run(self, job: EditJob) -> EditJob:
        with self.commit(execute=True):
            return edit_job_execute(job_id=job.pk, worker="test")


def consent(person: Person, scope: str, production: Production) -> Consent:
    since = timezone.now() - dt.timedelta(days=30)
    given = Consent.objects.create(
        person=person,
        scope=scope,
        description="x",
        valid_from=since,
        signed_by=person.name,
        signed_at=since,
    )
    given.productions.set([production])
    return given


def license_all(production: Production, reference: str) -> License:
    studio, stock = Party.objects.create(name="Studio"), Party.objects.create(name="Owner")
    granted = License.objects.create(
        production=production,
        reference=reference,
        title=reference,
        licensor=stock,
        licensee=studio,
        status="active",
        starts_at=timezone.now() - dt.timedelta(days=30),
        coverage="production",
    )
    for action in AI_ACTIONS:
        Grant.objects.create(license=granted, kind="permission", action=action)
    return granted


@pytest.fixture
def world(
    production,
    other_production,
    superuser,
    member,
    models,
    samples,
    django_capture_on_commit_callbacks,
) -> EditWorld:
    maya = Person.objects.create(name="Maya Ortiz")
    maya.productions.set([production])
    for scope in ("digital_alteration", "likeness_training"):
        consent(maya, scope, production)
    return EditWorld(
        production=production,
        other=other_production,
        superuser=superuser,
        coordinator=member("coordinator", production, username="cory-coordinator"),
        legal=member("legal", production, username="lena-legal"),
        license=license_all(production, "ALPHA-ALL"),
        models=models,
        maya=maya,
        samples=samples,
        commit=django_capture_on_commit_callbacks,
    )
