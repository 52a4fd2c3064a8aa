"""Technical metadata, read with PyAV (video, audio) and Pillow (images); undecodable files are refused.

Probing also proves the file is whole: the first frame is decoded, and for video a frame near the
end, so a clip cut short in transfer is caught on ingest rather than in an edit weeks later.
"""

from __future__ import annotations

import warnings
from fractions import Fraction
from pathlib import Path

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

from assets.choices import AssetKind


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _rate(value: Fraction | None) -> str:
    if not value:
        return ""
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _decodes_near_end(container, stream, duration: float) -> bool:
    if duration <= 0 or stream.time_base is None:
        return True
    target = int((duration * 0.95) / stream.time_base) + (stream.start_time or 0)
    container.seek(target, stream=stream, backward=True, any_frame=False)
    return next(container.decode(stream), None) is not None


def _video_facts(container, stream) -> dict:
    duration = float(container.duration / av.time_base) if container.duration else 0.0
    rate = stream.average_rate or stream.guessed_rate
    frames = stream.frames or (round(duration * float(rate)) if rate and duration else None)
    return {
        "duration_seconds": duration or None,
        "fps": _rate(rate),
        "frame_count": frames,
        "width": stream.codec_context.width,
        "height": stream.codec_context.height,
        "codec": stream.codec_context.name,
        "technical": {
            "pix_fmt": stream.codec_context.pix_fmt or "",
            "time_base": _rate(stream.time_base),
            "bit_rate": container.bit_rate,
            "format": container.format.name,
        },
    }


def probe_av(path: Path, kind: str) -> dict:
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            facts: dict = {}
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            if kind == AssetKind.VIDEO and video is None:
                raise _refuse("The file has no video stream.")
            if video is None and audio is None:
                raise _refuse("The file has neither video nor audio.")
            if audio is not None:
                facts |= {
                    "audio_codec": audio.codec_context.name,
                    "audio_channels": audio.codec_context.channels,
                    "audio_sample_rate": audio.codec_context.sample_rate,
                }
                if container.duration:
                    facts["duration_seconds"] = float(container.duration / av.time_base)
            if video is not None:
                facts |= _video_facts(container, video)
                if next(container.decode(video), None) is None:
                    raise _refuse("No video frame could be decoded; the file is corrupt.")
                if not _decodes_near_end(container, video, facts["duration_seconds"] or 0):
                    raise _refuse("The end of the clip cannot be decoded; the file is truncated.")
            elif next(container.decode(audio), None) is None:
                raise _refuse("No audio could be decoded; the file is corrupt.")
            return facts
    except av.FFmpegError as exc:
        raise _refuse(
            f"The file could not be decoded ({exc.strerror or exc}); it may be truncated."
        ) from exc


def probe_image(path: Path) -> dict:
    limit = settings.ASSET_MAX_IMAGE_PIXELS
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                return {
                    "width": image.width,
                    "height": image.height,
                    "codec": (image.format or "").lower(),
                    "technical": {"mode": image.mode, "frames": getattr(image, "n_frames", 1)},
                }
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(f"The image is larger than the limit of {limit} pixels.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(f"The image could not be decoded ({exc}); it may be truncated.") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def probe(path: Path, kind: str, mime_type: str) -> dict:
    if kind == AssetKind.IMAGE and mime_type not in ("image/heic", "image/heif", "image/avif"):
        return probe_image(path)
    if kind in (AssetKind.VIDEO, AssetKind.AUDIO):
        return probe_av(path, kind)
    return {}
