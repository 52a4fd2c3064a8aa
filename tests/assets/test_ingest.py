"""Ingest through the service and the API: facts, content-addressed storage, dedupe, downloads."""

import hashlib

import pytest

from assets import services
from assets.models import Asset
from studio.models import AuditEvent

URL = "/api/v1/assets/"


def _ingest(actor, production, path, filename=None, **kwargs):
    return services.asset_ingest(
        actor=actor, production=production, source=path, filename=filename or path.name, **kwargs
    )


def _upload(client, path, production="ALPHA", origin="dailies"):
    with path.open("rb") as handle:
        return client.post(
            URL, {"file": handle, "production": production, "origin": origin}, format="multipart"
        )


def test_a_clip_is_recorded_with_its_technical_facts(coordinator, production, clip):
    result = _ingest(coordinator, production, clip)

    asset = Asset.objects.get()
    assert result.created
    assert result.asset == asset
    assert asset.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert (asset.kind, asset.mime_type, asset.size) == ("video", "video/mp4", clip.stat().st_size)
    assert asset.duration_seconds == pytest.approx(2.0, abs=0.05)
    assert (asset.fps, asset.frame_count, asset.width, asset.height) == ("24", 48, 320, 180)
    assert (asset.codec, asset.audio_codec, asset.audio_channels) == ("h264", "aac", 2)
    assert (asset.original_filename, asset.origin, asset.status) == (
        "clip.mp4",
        "dailies",
        "active",
    )


def test_the_original_is_stored_by_hash_with_identical_bytes(coordinator, production, clip, dirs):
    asset = _ingest(coordinator, production, clip).asset

    sha = asset.sha256
    assert asset.storage_key == f"originals/{sha[:2]}/{sha[2:4]}/{sha}"
    assert dirs.originals() == [dirs.media / asset.storage_key]
    assert (dirs.media / asset.storage_key).read_bytes() == clip.read_bytes()
    assert dirs.spooled() == []


def test_an_ingest_writes_one_audit_row_naming_the_actor(coordinator, production, clip):
    asset = _ingest(coordinator, production, clip).asset

    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.actor_name) == (
        "assets.asset.ingested",
        coordinator.pk,
        coordinator.username,
    )
    assert (event.production, event.target_id, event.after["sha256"]) == (
        production,
        str(asset.pk),
        asset.sha256,
    )


def test_derivatives_are_queued_only_after_commit(
    coordinator, production, clip, queued_derivatives, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset = _ingest(coordinator, production, clip).asset
    assert queued_derivatives == []

    for callback in callbacks:
        callback()

    assert queued_derivatives == [asset.pk]


def test_a_still_is_probed_with_pillow(coordinator, production, still):
    asset = _ingest(coordinator, production, still).asset

    assert (asset.kind, asset.mime_type, asset.codec) == ("image", "image/jpeg", "jpeg")
    assert (asset.width, asset.height, asset.duration_seconds) == (640, 360, None)


def test_the_same_bytes_twice_in_one_production_are_one_asset(coordinator, production, clip, dirs):
    first = _ingest(coordinator, production, clip)

    again = _ingest(coordinator, production, clip, filename="copy.mp4")

    assert (again.created, again.asset.pk) == (False, first.asset.pk)
    assert Asset.objects.count() == 1
    duplicate = AuditEvent.objects.get(action="assets.asset.ingest_duplicate")
    assert (duplicate.actor_id, duplicate.after["filename"]) == (coordinator.pk, "copy.mp4")
    assert len(dirs.originals()) == 1
    assert dirs.spooled() == []


def test_the_same_bytes_in_another_production_share_the_stored_file(
    superuser, production, other_production, clip, dirs
):
    first = _ingest(superuser, production, clip).asset

    second = _ingest(superuser, other_production, clip)

    assert second.created
    assert second.asset.pk != first.pk
    assert second.asset.storage_key == first.storage_key
    assert len(dirs.originals()) == 1


class TrickleReader:
    """A stream that hands over a few bytes per read, as a pipe or a slow socket does."""

    def __init__(self, data: bytes, step: int = 7):
        self.data, self.step, self.offset = data, step, 0

    def readinto(self, buffer) -> int:
        piece = self.data[self.offset : self.offset + min(self.step, len(buffer))]
        buffer[: len(piece)] = piece
        self.offset += len(piece)
        return len(piece)


def test_a_stream_read_a_few_bytes_at_a_time_is_identified_by_its_content(
    coordinator, production, clip, dirs
):
    data = clip.read_bytes()

    result = services.asset_ingest(
        actor=coordinator, production=production, source=TrickleReader(data), filename="c.mp4"
    )

    assert (result.asset.mime_type, result.asset.size) == ("video/mp4", len(data))
    assert result.asset.sha256 == hashlib.sha256(data).hexdigest()
    assert (dirs.media / result.asset.storage_key).read_bytes() == data


def test_the_type_comes_from_the_bytes_not_the_name(coordinator, production, png):
    asset = _ingest(coordinator, production, png, filename="holiday.mp4").asset

    assert (asset.kind, asset.mime_type, asset.original_filename) == (
        "image",
        "image/png",
        "holiday.mp4",
    )


def test_an_upload_is_created_then_found_again(api, coordinator, clip, dirs):
    api.force_login(coordinator)

    created = _upload(api, clip)
    repeated = _upload(api, clip)

    assert created.status_code == 201, created.content
    assert repeated.status_code == 200, repeated.content
    body = created.json()
    assert body["id"] == repeated.json()["id"] == Asset.objects.get().pk
    assert (body["production"], body["origin"], body["kind"]) == ("ALPHA", "dailies", "video")
    assert body["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert created["Location"].endswith(f"{URL}{body['id']}/")
    assert AuditEvent.objects.get(action="assets.asset.ingested").actor_id == coordinator.pk
    assert dirs.spooled() == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("viewer@own", 400),  # ALPHA is not among the productions it may write to
        ("coordinator@other", 400),
        ("integration@own", 201),
    ],
)
def test_only_writers_of_the_production_may_upload(
    api, production, other_production, member, clip, dirs, who, expected
):
    if who != "anonymous":
        role, where = who.split("@")
        api.force_login(member(role, production if where == "own" else other_production))

    response = _upload(api, clip)

    assert response.status_code == expected, response.content
    assert Asset.objects.count() == len(dirs.originals()) == (1 if expected == 201 else 0)
    assert dirs.spooled() == []


@pytest.mark.parametrize(("can_write", "expected"), [(False, 403), (True, 201)])
def test_a_token_uploads_only_when_it_may_write(
    token_client, coordinator, production, clip, can_write, expected
):
    client = token_client(coordinator, [production], can_write=can_write)

    response = _upload(client, clip)

    assert response.status_code == expected, response.content
    assert Asset.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        event = AuditEvent.objects.get()
        assert (event.actor_type, event.token_id) == ("token", client.token.pk)
