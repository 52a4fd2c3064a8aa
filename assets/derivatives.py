"""Thumbnails and proxies: small files for the admin and MAMs, never used for edits or delivery."""

from __future__ import annotations

import tempfile
from fractions import Fraction
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


def _proxy_size(video) -> tuple[int, int]:
    width = min(PROXY_WIDTH, video.codec_context.width) // 2 * 2
    height = round(video.codec_context.height * width / video.codec_context.width) // 2 * 2
    return width, max(2, height)


def _origin(source) -> float:
    """The earliest start of the streams kept, in seconds: the proxy's time zero."""
    starts = [
        float(s.start_time * s.time_base)
        for s in (*source.streams.video[:1], *source.streams.audio[:1])
        if s.start_time is not None and s.time_base is not None
    ]
    return min(starts, default=0.0)


class _Retimer:
    """Source timestamps in the target time base, from the clip's zero; strictly increasing.

    A frame without a timestamp, or one that would not move forward, takes the next tick, so a
    frame is never dropped or stacked on another (the old proxy put every frame at zero).
    """

    def __init__(self, source_base: Fraction, target_base: Fraction, origin: float):
        self.source_base, self.target_base, self.origin = source_base, target_base, origin
        self.last = -1

    def __call__(self, pts: int | None) -> int:
        wanted = self.last + 1
        if pts is not None:
            seconds = float(pts * self.source_base) - self.origin
            wanted = max(wanted, round(seconds / self.target_base))
        self.last = wanted
        return wanted


def _video_out(target, video):
    rate = video.average_rate or video.guessed_rate or Fraction(24)
    out = target.add_stream("libx264", rate=rate)
    out.width, out.height = _proxy_size(video)
    out.pix_fmt = "yuv420p"
    out.codec_context.time_base = 1 / Fraction(rate)
    out.options = {"preset": "veryfast", "crf": "28"}
    return out


def _audio_out(target, audio):
    rate = audio.codec_context.sample_rate or 48000
    layout = "mono" if audio.codec_context.channels == 1 else "stereo"
    out = target.add_stream("aac", rate=rate, layout=layout)
    out.codec_context.time_base = Fraction(1, rate)
    out.options = {"b": "96k"}
    return out


def make_video_proxy(asset: Asset, workdir: Path) -> str:
    """H.264 at 640 px wide and AAC sound, every frame at its own time: as long as the original."""
    path = workdir / "proxy.mp4"
    with _open_original(asset) as original, av.open(original) as source:
        video = source.streams.video[0]
        audio = source.streams.audio[0] if source.streams.audio else None
        origin = _origin(source)
        # moov first: a browser can start playing and seeking before the whole file is fetched
        with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as target:
            v_out = _video_out(target, video)
            a_out = _audio_out(target, audio) if audio is not None else None
            retime = {video: _Retimer(video.time_base, v_out.codec_context.time_base, origin)}
            if a_out is not None:
                retime[audio] = _Retimer(audio.time_base, a_out.codec_context.time_base, origin)
            for packet in source.demux(*retime):
                for frame in packet.decode():
                    _encode(target, v_out, a_out, frame, retime[packet.stream])
            target.mux(v_out.encode(None))
            if a_out is not None:
                target.mux(a_out.encode(None))
    return _save(asset, "proxy.mp4", path)


def _encode(target, v_out, a_out, frame, retime: _Retimer) -> None:
    if isinstance(frame, av.VideoFrame):
        out = v_out
        frame = frame.reformat(width=v_out.width, height=v_out.height, format="yuv420p")
    else:
        out = a_out
    frame.pts = retime(frame.pts)
    frame.time_base = out.codec_context.time_base
    target.mux(out.encode(frame))


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
