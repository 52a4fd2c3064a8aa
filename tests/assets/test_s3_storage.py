"""The storage path against a real S3 HTTP endpoint (moto's server mode), through django-storages."""

import hashlib
import socket

import boto3
import pytest
from django.core.exceptions import ValidationError
from moto.server import ThreadedMotoServer

from assets.services import asset_ingest, asset_make_derivatives
from assets.storage import content_key
from assets.synthetic import make_clip

BUCKET = "clearcut-footage"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for obj in listed:
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_ingest_stores_the_original_in_the_bucket_by_hash(tmp_path, bucket, superuser, production):
    clip = make_clip(tmp_path / "take.mp4", seconds=1)
    expected = hashlib.sha256(clip.read_bytes()).hexdigest()

    asset = asset_ingest(
        actor=superuser, production=production, source=clip, filename="take.mp4"
    ).asset

    stored = bucket.get_object(Bucket=BUCKET, Key=content_key(expected))["Body"].read()
    assert asset.storage_key == content_key(expected)
    assert stored == clip.read_bytes()


def test_derivatives_are_built_from_and_written_to_the_bucket(
    tmp_path, bucket, superuser, production
):
    clip = make_clip(tmp_path / "take.mp4", seconds=1)
    asset = asset_ingest(
        actor=superuser, production=production, source=clip, filename="take.mp4"
    ).asset

    asset = asset_make_derivatives(asset_id=asset.pk)

    assert asset.thumbnail_key in _keys(bucket)
    assert asset.proxy_key in _keys(bucket)


def test_the_api_download_streams_from_the_bucket(tmp_path, api, bucket, superuser, production):
    clip = make_clip(tmp_path / "take.mp4", seconds=1)
    asset = asset_ingest(
        actor=superuser, production=production, source=clip, filename="take.mp4"
    ).asset
    api.force_login(superuser)

    response = api.get(f"/api/v1/assets/{asset.pk}/original/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == clip.read_bytes()


def test_refused_input_leaves_nothing_in_the_bucket(tmp_path, bucket, superuser, production):
    broken = tmp_path / "broken.mp4"
    data = make_clip(tmp_path / "whole.mp4", seconds=1).read_bytes()
    broken.write_bytes(data[: len(data) // 2])

    with pytest.raises(ValidationError):
        asset_ingest(actor=superuser, production=production, source=broken, filename="broken.mp4")

    assert _keys(bucket) == []
