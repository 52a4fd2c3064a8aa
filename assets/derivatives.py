"""Thumbnails and proxies: small files for the admin and MAMs, never used for edits or delivery."""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from assets.choices import AssetKind
from assets.models import Asset
from assets.storage import derived_key

THUMB_SIZE = (320, 320)
PROXY_WIDTH = 640


def _open_original(asset: Asset):
    return default_storage.open(asset.storage_key, "rb")


def _save(asset: Asset, name: str, path: Path) -> str:
    key = derived_key(asset.sha256, name)
    if default_storage.exists(key):
        default_storage.delete(key)
    with path.open("rb") as handle:
        return default_storage.save(key, File(handle, name=name))


def _first_frame(asset: Asset) -> Image.Image:
    with _open_original(asset) as original, av.open(original) as container:
        stream = container.streams.video[0]
        if asset.duration_seconds and asset.duration_seconds > 2:
            container.seek(int(1 / stream.time_base) + (stream.start_time or 0), stream=stream)
        return next(container.decode(stream)).to_image()


def _still(asset: Asset) -> Image.Image:
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, settings.ASSET_MAX_IMAGE_PIXELS
    try:
        with _open_original(asset) as original, Image.open(original) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def make_thumbnail(asset: Asset, workdir: Path) -> str:
    image = _first_frame(asset) if asset.kind == AssetKind.VIDEO else _still(asset)
    image.thumbnail(THUMB_SIZE)
    path = workdir / "thumb.jpg"
    image.convert("RGB").save(path, "JPEG", quality=85)
    return _save(asset, "thumb.jpg", path)


def make_image_proxy(asset: Asset, workdir: Path) -> str:
    image = _still(asset)
    image.thumbnail((PROXY_WIDTH * 2, PROXY_WIDTH * 2))
    path = workdir / "proxy.webp"
    image.save(path, "WEBP", quality=80)
    return _save(asset, "proxy.webp", path)


def make_video_proxy(asset: Asset, workdir: Path) -> str:
    """H.264 at 640 px wide, same frame rate, audio dropped (proxies are for looking, not listening)."""
    path = workdir / "proxy.mp4"
    with _open_original(asset) as original, av.open(original) as source:
        video = source.streams.video[0]
        width = min(PROXY_WIDTH, video.codec_context.width) // 2 * 2
        height = max(
            2, round(video.codec_context.height * width / video.codec_context.width) // 2 * 2
        )
        with av.open(str(path), "w", format="mp4") as target:
            out = target.add_stream("libx264", rate=video.average_rate or 24)
            out.width, out.height, out.pix_fmt = width, height, "yuv420p"
            out.options = {"preset": "veryfast", "crf": "28"}
            for frame in source.decode(video):
                scaled = frame.reformat(width=width, height=height, format="yuv420p")
                scaled.pts = None
                target.mux(out.encode(scaled))
            target.mux(out.encode(None))
    return _save(asset, "proxy.mp4", path)


def build_derivatives(asset: Asset) -> dict[str, str]:
    """Write the asset's thumbnail and proxy; returns their storage keys (empty where not applicable)."""
    keys = {"thumbnail_key": "", "proxy_key": ""}
    if asset.kind not in (AssetKind.VIDEO, AssetKind.IMAGE) or asset.mime_type in (
        "image/heic",
        "image/heif",
        "image/avif",
    ):
        return keys
    with tempfile.TemporaryDirectory(dir=settings.ASSET_SPOOL_DIR) as workdir:
        keys["thumbnail_key"] = make_thumbnail(asset, Path(workdir))
        maker = make_video_proxy if asset.kind == AssetKind.VIDEO else make_image_proxy
        keys["proxy_key"] = maker(asset, Path(workdir))
    return keys
