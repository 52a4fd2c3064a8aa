"""Asset tests keep their files apart: each test gets its own media root and spool folder."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from assets.synthetic import make_clip, make_still


@dataclass(frozen=True)
class Dirs:
    media: Path
    spool: Path

    def originals(self) -> list[Path]:
        """Every stored original (files only) below the media root."""
        return sorted(p for p in (self.media / "originals").rglob("*") if p.is_file())

    def spooled(self) -> list[Path]:
        """Whatever is left in the spool folder (ingest spools, upload temp files)."""
        return sorted(self.spool.rglob("*"))


@pytest.fixture(autouse=True)
def dirs(settings, tmp_path) -> Dirs:
    media, spool = tmp_path / "media", tmp_path / "spool"
    media.mkdir()
    spool.mkdir()
    settings.MEDIA_ROOT = media
    # STORAGES names its location explicitly, so MEDIA_ROOT alone would not move it; changing
    # STORAGES fires setting_changed, which drops the cached default_storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = spool
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    assert Path(default_storage.location) == media
    return Dirs(media, spool)


@pytest.fixture(autouse=True)
def queued_derivatives(broker) -> list[int]:
    """Asset ids handed to the derivatives task (no broker): tests call the service themselves."""
    return broker.by_task["assets.make_derivatives"]


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media-samples")


@pytest.fixture(scope="session")
def clip(media_dir) -> Path:
    """Two seconds of H.264 at 24 fps, 320x180, with stereo AAC audio."""
    return make_clip(media_dir / "clip.mp4", seconds=2.0, fps=24, size=(320, 180), audio=True)


@pytest.fixture(scope="session")
def still(media_dir) -> Path:
    return make_still(media_dir / "still.jpg", size=(640, 360), format="JPEG")


@pytest.fixture(scope="session")
def png(media_dir) -> Path:
    return make_still(media_dir / "still.png", size=(640, 360), seed=2, format="PNG")


@pytest.fixture
def coordinator(production, member):
    return member("coordinator", production)


@pytest.fixture
def asset_row(db):
    """asset_row(production, **fields) -> an Asset row with fake but valid content facts (no file)."""
    from assets.models import Asset

    counter = iter(range(1, 1_000_000))

    def _make(production, **fields):
        n = next(counter)
        sha = hashlib.sha256(f"{production.code}-{n}".encode()).hexdigest()
        values = {
            "sha256": sha,
            "kind": "video",
            "mime_type": "video/mp4",
            "size": 1000 + n,
            "storage_key": f"originals/{sha[:2]}/{sha[2:4]}/{sha}",
            "original_filename": f"clip-{n}.mp4",
            "origin": "dailies",
            "duration_seconds": 10.0,
            "fps": "24",
            "frame_count": 240,
            "ingested_by": "test",
        }
        return Asset.objects.create(production=production, **(values | fields))

    return _make
