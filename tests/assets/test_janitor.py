"""Leftovers: the spool janitor and the storage orphan listing."""

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assets import services
from assets.incoming import HashingUploadHandler
from assets.janitor import SpoolUnsafe, spool_clean
from assets.models import Asset
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from studio.audit import STUDIO_CHAIN
from studio.models import AuditEvent
from tests.assets.test_bad_input import _post, multipart

HOUR = 3600
GRACE = 6 * HOUR


def aged(path: Path, seconds: float) -> Path:
    """Set the path's modification time ``seconds`` in the past (a link itself, not its target)."""
    when = timezone.now().timestamp() - seconds
    os.utime(path, (when, when), follow_symlinks=False)
    return path


def spool_file(dirs, name: str, *, age: float, size: int = 100) -> Path:
    path = dirs.spool / name
    path.write_bytes(b"x" * size)
    return aged(path, age)


def render_folder(dirs, name: str, *, age: float) -> Path:
    folder = dirs.spool / name
    folder.mkdir()
    (folder / "frame.png").write_bytes(b"png")
    aged(folder / "frame.png", age)
    return aged(folder, age)


def run_fields(production) -> dict:
    return {"production": production, "requested_by": "test", "seed": 1}


@pytest.fixture
def job(production):
    return EditJob.objects.create(
        operation="inpaint",
        status="running",
        territory="US",
        media="svod",
        **run_fields(production),
    )


# --- The spool -----------------------------------------------------------------------------------


def test_old_unowned_leftovers_go_and_fresh_ones_stay(dirs, db):
    old_spool = spool_file(dirs, "ingest-abc", age=7 * HOUR, size=1000)
    old_folder = render_folder(dirs, "tmpq1w2e3", age=8 * HOUR)
    fresh_spool = spool_file(dirs, "ingest-def", age=HOUR)
    fresh_folder = render_folder(dirs, "tmpz9x8c7", age=60)

    report = spool_clean(grace=GRACE)

    assert not old_spool.exists()
    assert not old_folder.exists()
    assert fresh_spool.exists()
    assert fresh_folder.exists()
    assert {item.path for item in report.removed} == {old_spool, old_folder}
    assert report.bytes_removed == 1000 + 3
    assert report.kept_fresh == 2


def test_a_folder_is_as_fresh_as_the_newest_file_in_it(dirs, db):
    folder = render_folder(dirs, "tmpabc", age=9 * HOUR)
    (folder / "frame-2.png").write_bytes(b"still rendering")
    aged(folder, 9 * HOUR)

    spool_clean(grace=GRACE)

    assert folder.exists()


def test_the_clock_decides_what_is_old(dirs, db):
    leftover = spool_file(dirs, "ingest-abc", age=HOUR)

    spool_clean(grace=GRACE, now=timezone.now() + timedelta(hours=2))
    assert leftover.exists()
    spool_clean(grace=GRACE, now=timezone.now() + timedelta(hours=6))
    assert not leftover.exists()


def test_a_running_jobs_render_folder_is_kept(dirs, job):
    folder = render_folder(dirs, f"job-{job.pk}-k3j4h5", age=8 * HOUR)

    report = spool_clean(grace=GRACE)

    assert folder.exists()
    assert report.kept_owned == [folder]
    assert report.removed == []


def test_a_finished_jobs_render_folder_is_removed(dirs, job):
    EditJob.objects.filter(pk=job.pk).update(status="failed")
    folder = render_folder(dirs, f"job-{job.pk}-k3j4h5", age=8 * HOUR)

    spool_clean(grace=GRACE)

    assert not folder.exists()


def test_a_running_job_whose_row_went_quiet_long_ago_owns_nothing(dirs, job):
    EditJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=7))
    folder = render_folder(dirs, f"job-{job.pk}-k3j4h5", age=8 * HOUR)

    spool_clean(grace=GRACE)

    assert not folder.exists()


def test_a_running_training_runs_folder_is_kept(dirs, production):
    run = TrainingRun.objects.create(
        name="look", status="running", territory="US", media="svod", **run_fields(production)
    )
    folder = render_folder(dirs, f"training-{run.pk}-a1b2c3", age=8 * HOUR)
    gone = render_folder(dirs, f"training-{run.pk + 1}-a1b2c3", age=8 * HOUR)

    spool_clean(grace=GRACE)

    assert folder.exists()
    assert not gone.exists()


def test_links_are_removed_as_links_and_never_followed(dirs, db, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    precious = outside / "precious.mov"
    precious.write_bytes(b"keep me")
    aged(precious, 30 * HOUR)
    file_link = aged(_link(dirs.spool / "link-to-file", precious), 8 * HOUR)
    folder_link = aged(_link(dirs.spool / "link-to-folder", outside), 8 * HOUR)
    folder = render_folder(dirs, "tmpwithlink", age=8 * HOUR)
    aged(_link(folder / "inner-link", outside), 8 * HOUR)
    aged(folder, 8 * HOUR)

    spool_clean(grace=GRACE)

    assert not file_link.is_symlink()
    assert not folder_link.is_symlink()
    assert not folder.exists()
    assert precious.read_bytes() == b"keep me"
    assert sorted(p.name for p in outside.iterdir()) == ["precious.mov"]


def _link(path: Path, target: Path) -> Path:
    path.symlink_to(target)
    return path


@pytest.mark.parametrize("where", ["root", "media", "above media"])
def test_a_spool_setting_that_reaches_stored_media_is_refused(dirs, db, settings, where):
    original = dirs.media / "originals" / "ab" / "cd" / "old"
    original.parent.mkdir(parents=True)
    original.write_bytes(b"footage")
    aged(original, 30 * HOUR)
    settings.ASSET_SPOOL_DIR = {
        "root": Path("/"),
        "media": dirs.media,
        "above media": dirs.media.parent,
    }[where]

    with pytest.raises(SpoolUnsafe, match="refusing to sweep"):
        spool_clean(grace=0)
    with pytest.raises(CommandError, match="refusing to sweep"):
        call_command("clean_spool", "--grace", "0", stdout=io.StringIO())

    assert original.read_bytes() == b"footage"
    assert dirs.spool.exists()


def test_a_dry_run_removes_nothing(dirs, db):
    leftover = spool_file(dirs, "ingest-abc", age=7 * HOUR)

    report = spool_clean(grace=GRACE, dry_run=True)

    assert leftover.exists()
    assert [item.path for item in report.removed] == [leftover]
    assert not AuditEvent.objects.filter(action="assets.spool.cleaned").exists()


def test_a_sweep_that_removes_something_is_audited_on_the_studio_chain(dirs, db):
    spool_file(dirs, "ingest-abc", age=7 * HOUR, size=10)
    spool_file(dirs, "ingest-def", age=7 * HOUR, size=20)

    spool_clean(grace=GRACE)

    event = AuditEvent.objects.get(action="assets.spool.cleaned")
    assert event.chain == STUDIO_CHAIN
    assert event.actor_name == "system:assets.janitor"
    assert event.after == {
        "removed": 2,
        "bytes": 30,
        "kept_owned": 0,
        "grace_seconds": GRACE,
    }


def test_an_empty_sweep_writes_no_audit_event(dirs, db):
    spool_clean(grace=GRACE)

    assert not AuditEvent.objects.filter(action="assets.spool.cleaned").exists()


def test_uploads_in_a_separate_upload_folder_are_swept_and_nothing_else(
    dirs, db, settings, tmp_path
):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    partial = aged(_named(uploads, "tmpa1b2c3.upload.mp4"), 7 * HOUR)
    other = aged(_named(uploads, "somebody-elses.dat"), 7 * HOUR)

    spool_clean(grace=GRACE)

    assert not partial.exists()
    assert other.exists()


def _named(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_bytes(b"partial")
    return path


def test_the_command_reports_and_obeys_dry_run_and_grace(dirs, db):
    leftover = spool_file(dirs, "ingest-abc", age=2 * HOUR)
    out = io.StringIO()

    call_command("clean_spool", "--dry-run", "--grace", "3600", stdout=out)
    assert leftover.exists()
    assert "would remove" in out.getvalue()

    call_command("clean_spool", stdout=io.StringIO())
    assert leftover.exists()  # under the default grace of six hours
    call_command("clean_spool", "--grace", "3600", stdout=io.StringIO())
    assert not leftover.exists()


def test_the_periodic_task_sweeps(dirs, db):
    from assets.tasks import clean_spool

    spool_file(dirs, "ingest-abc", age=7 * HOUR, size=5)

    assert clean_spool() == {"removed": 1, "bytes": 5, "kept_owned": 0}


def test_the_beat_schedule_runs_the_sweep_hourly():
    from studio.beat import BEAT_SCHEDULE

    entry = next(e for e in BEAT_SCHEDULE.values() if e["task"] == "assets.clean_spool")
    assert entry["schedule"].hour == set(range(24))


# --- Aborted ingests and uploads -----------------------------------------------------------------


class BreaksHalfWay(io.RawIOBase):
    def __init__(self):
        self.sent = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent > 3 * 1024 * 1024:
            raise ConnectionResetError("the camera card went away")
        buffer[:] = b"\0" * len(buffer)
        self.sent += len(buffer)
        return len(buffer)


def test_an_aborted_ingest_leaves_no_spool_file(dirs, coordinator, production):
    with pytest.raises(ConnectionResetError):
        services.asset_ingest(
            actor=coordinator, production=production, source=BreaksHalfWay(), filename="a.mov"
        )

    assert dirs.spooled() == []
    assert dirs.originals() == []


def test_an_upload_whose_process_died_is_gone_after_the_next_sweep(dirs, db, settings):
    handler = HashingUploadHandler()
    handler.new_file("file", "clip.mp4", "video/mp4", 10_000_000)
    handler.receive_data_chunk(b"\0" * 1024, 0)
    # The process dies here: nothing closes the upload, so its temporary file stays behind.
    partial = aged(Path(handler.file.temporary_file_path()), 7 * HOUR)
    assert partial.parent == dirs.spool

    spool_clean(grace=GRACE)

    assert dirs.spooled() == []
    handler.file.close()  # what is left of the dead process


def test_an_upload_cut_off_by_the_client_leaves_nothing_after_the_sweep(
    api, coordinator, clip, dirs
):
    api.force_login(coordinator)
    body = multipart("clip.mp4", clip.read_bytes(), production="ALPHA", origin="dailies")

    assert _post(api, body[: len(body) // 2]).status_code == 400
    spool_clean(grace=0, now=timezone.now() + timedelta(seconds=1))

    assert dirs.spooled() == []
    assert not Asset.objects.exists()


# --- Storage orphans -----------------------------------------------------------------------------


def stored(dirs, key: str, *, age_days: float, size: int = 10) -> Path:
    path = dirs.media / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"o" * size)
    return aged(path, age_days * 24 * HOUR)


@pytest.fixture
def storage(dirs, production, asset_row):
    """Referenced objects of every kind, orphans under originals/ and derived/, one of them new."""
    asset = asset_row(production)
    asset.c2pa_sidecar_key = f"{asset.storage_key}.c2pa"
    asset.thumbnail_key = f"derived/{asset.sha256[:2]}/{asset.sha256}/thumb.jpg"
    asset.proxy_key = f"derived/{asset.sha256[:2]}/{asset.sha256}/proxy.mp4"
    asset.save()
    model = ModelVersion.objects.create(
        family="tiny", version="1", task="inpaint", location="/m", weights_sha256="a" * 64
    )
    adapter = Adapter.objects.create(
        production=production,
        name="look",
        model_version=model,
        weights_key="adapters/bb/" + "b" * 64 + "/pytorch_lora_weights.safetensors",
        weights_sha256="b" * 64,
    )
    keys = [asset.storage_key, asset.c2pa_sidecar_key, asset.thumbnail_key, asset.proxy_key]
    for key in [*keys, adapter.weights_key]:
        stored(dirs, key, age_days=5)
    orphans = {
        "originals/cc/dd/" + "c" * 64: stored(
            dirs, "originals/cc/dd/" + "c" * 64, age_days=3, size=700
        ),
        f"derived/dd/{'d' * 64}/thumb.jpg": stored(
            dirs, f"derived/dd/{'d' * 64}/thumb.jpg", age_days=2, size=30
        ),
        "adapters/ee/" + "e" * 64 + "/w.safetensors": stored(
            dirs, "adapters/ee/" + "e" * 64 + "/w.safetensors", age_days=4, size=5
        ),
    }
    young = stored(dirs, "originals/ff/00/" + "f" * 64, age_days=0.5)
    return {"referenced": [*keys, adapter.weights_key], "orphans": orphans, "young": young}


def test_orphans_are_listed_with_sizes_and_a_total_and_nothing_is_deleted(dirs, storage):
    out = io.StringIO()

    call_command("storage_orphans", stdout=out)

    listed = {line.split("\t")[0] for line in out.getvalue().splitlines() if "\t" in line}
    assert listed == set(storage["orphans"])
    assert "3 orphans older than 1 days, 735 bytes in all." in out.getvalue()
    assert all(path.exists() for path in storage["orphans"].values())
    assert storage["young"].exists()


def test_orphans_are_deleted_only_with_delete_and_only_past_the_grace_period(dirs, storage):
    call_command("storage_orphans", "--delete", stdout=io.StringIO())

    assert not any(path.exists() for path in storage["orphans"].values())
    assert storage["young"].exists()
    assert all((dirs.media / key).exists() for key in storage["referenced"])
    event = AuditEvent.objects.get(action="assets.storage.orphans_removed")
    assert event.chain == STUDIO_CHAIN
    assert event.after == {"removed": 3, "bytes": 735, "grace_days": 1}


def test_a_longer_grace_period_keeps_younger_orphans(dirs, storage):
    call_command("storage_orphans", "--delete", "--grace-days", "3", stdout=io.StringIO())

    remaining = {key for key, path in storage["orphans"].items() if path.exists()}
    assert remaining == {f"derived/dd/{'d' * 64}/thumb.jpg"}


def test_an_orphan_adopted_after_listing_is_not_deleted(dirs, storage, production, asset_row):
    from assets.janitor import storage_orphan_delete, storage_orphans

    orphan = next(o for o in storage_orphans() if o.key.startswith("originals/"))
    asset_row(production, storage_key=orphan.key)

    assert storage_orphan_delete(orphan=orphan) is False
    assert (dirs.media / orphan.key).exists()
