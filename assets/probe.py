"""Technical metadata, read with PyAV (video, audio), Pillow (images) and pypdf (PDF documents);
files that do not decode to the end are refused.

Probing proves the file is whole, because camera cards are wiped on our word: the first frame is
decoded, then the last GOP from its keyframe to the end of the file, and its last frame must reach
the end the container claims (a clip cut anywhere — its index intact or not — stops short). Audio
is proved the same way; an image must decode to its last row; a PDF must parse to its trailer.
Formats we could only recognise, not decode (HEIF), are refused as unsupported.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import nullcontext
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from assets.choices import AssetKind


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _reason(exc: Exception, path: Path) -> str:
    """A decoder's complaint without the server's file path in it."""
    text = getattr(exc, "strerror", None) or str(exc)
    for form in (repr(str(path)), str(path), path.name):
        text = text.replace(form, "the file")
    return text


def _rate(value: Fraction | None) -> str:
    if not value:
        return ""
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _claimed_end(container, stream) -> Fraction | None:
    """Where the stream says it ends, in seconds (its own duration, else the container's)."""
    start = Fraction(stream.start_time or 0) * stream.time_base
    if stream.duration:
        return start + Fraction(stream.duration) * stream.time_base
    if container.duration:
        return Fraction(container.duration, av.time_base)
    return None


def _frame_end(frame, stream) -> Fraction | None:
    if frame.pts is None:
        return None
    begins = Fraction(frame.pts) * stream.time_base
    if isinstance(frame, av.AudioFrame):
        return begins + Fraction(frame.samples, frame.sample_rate or 1)
    rate = stream.average_rate or stream.guessed_rate
    return begins + (1 / Fraction(rate) if rate else 0)


def _reaches_the_end(container, stream, slack: Fraction) -> bool:
    """Decode from the last keyframe to the end of the file; the last frame must reach the claimed end.

    Only the last GOP is decoded (memory and time stay flat whatever the clip's length); a file whose
    bytes stop before its index says they do cannot produce that GOP's frames."""
    end = _claimed_end(container, stream)
    if end is None or stream.time_base is None:
        return next(container.decode(stream), None) is not None
    # Video seeks back to the keyframe of the last GOP; audio (every frame a keyframe) a second back.
    tail = end if stream.type == "video" else max(Fraction(0), end - 1)
    container.seek(int(tail / stream.time_base), stream=stream, backward=True, any_frame=False)
    reached = None
    for frame in container.decode(stream):
        finish = _frame_end(frame, stream)
        if finish is not None and (reached is None or finish > reached):
            reached = finish
    return reached is not None and reached + slack >= end


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


def _prove_whole(container, stream) -> None:
    # Two frames of slack for video (rounding of rates and edit lists), 50 ms for audio.
    if stream.type == "video":
        rate = stream.average_rate or stream.guessed_rate or 25
        slack = 2 / Fraction(rate)
    else:
        slack = Fraction(1, 20)
    if not _reaches_the_end(container, stream, slack):
        what = "clip" if stream.type == "video" else "recording"
        raise _refuse(f"The end of the {what} cannot be decoded; the file is truncated.")


def _check_declared_size(path: Path) -> None:
    """Containers that state their own length (RIFF: WAV, AVI) must be as long as they say; decoders
    otherwise estimate the duration from the bytes that are there, and a cut file looks whole."""
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[:4] == b"RIFF" and len(head) == 12:
        declared = int.from_bytes(head[4:8], "little") + 8
        if declared > path.stat().st_size:
            raise _refuse(
                f"The file says it is {declared} bytes long but holds {path.stat().st_size}; "
                "it is truncated."
            )


def probe_av(path: Path, kind: str, opener: Callable[[], BinaryIO] | None = None) -> dict:
    """``opener`` gives the file's bytes to decode (a spool reads them from memory where it can);
    by default the decoder opens ``path`` itself."""
    _check_declared_size(path)
    try:
        with (
            opener() if opener is not None else nullcontext(str(path)) as source,
            av.open(source, metadata_errors="ignore") as container,
        ):
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
            elif next(container.decode(audio), None) is None:
                raise _refuse("No audio could be decoded; the file is corrupt.")
            _prove_whole(container, video or audio)
            return facts
    except av.FFmpegError as exc:
        raise _refuse(
            f"The file could not be decoded ({_reason(exc, path)}); it may be truncated."
        ) from exc


# What the last bytes of a whole file are, for formats whose decoders forgive a missing end.
IMAGE_TRAILERS = {"PNG": b"IEND\xaeB`\x82", "GIF": b";"}


def _check_trailer(path: Path, image_format: str | None) -> None:
    trailer = IMAGE_TRAILERS.get(image_format or "")
    if trailer is None:
        return
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 64))
        if not handle.read().rstrip(b"\x00").endswith(trailer):
            raise _refuse(f"The {image_format} image has no end marker; the file is truncated.")


def probe_image(path: Path) -> dict:
    _check_declared_size(path)
    limit = settings.ASSET_MAX_IMAGE_PIXELS
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                _check_trailer(path, image.format)
                return {
                    "width": image.width,
                    "height": image.height,
                    "codec": (image.format or "").lower(),
                    "technical": {"mode": image.mode, "frames": getattr(image, "n_frames", 1)},
                }
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(f"The image is larger than the limit of {limit} pixels.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refuse(
            f"The image could not be decoded ({_reason(exc, path)}); it may be truncated."
        ) from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def probe_pdf(path: Path) -> dict:
    """A PDF must end with its trailer and parse to at least one page."""
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in handle.read():
            raise _refuse("The PDF has no end-of-file marker; the file is truncated.")
    try:
        reader = PdfReader(path, strict=False)
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise _refuse(
            f"The PDF could not be read ({_reason(exc, path)}); it may be damaged."
        ) from exc
    if pages < 1:
        raise _refuse("The PDF has no pages.")
    return {"technical": {"pages": pages, "pdf_version": reader.pdf_header.lstrip("%")}}


UNSUPPORTED = {
    "image/heic": "HEIF/HEIC images cannot be decoded here; convert them to JPEG, PNG or TIFF.",
    "image/heif": "HEIF/HEIC images cannot be decoded here; convert them to JPEG, PNG or TIFF.",
}


def probe(
    path: Path, kind: str, mime_type: str, *, opener: Callable[[], BinaryIO] | None = None
) -> dict:
    """The technical facts of a file that decodes to its end; a ValidationError on ``file`` otherwise.

    ``opener``, where given, reads the same bytes as ``path`` (video and audio decode from it)."""
    if mime_type in UNSUPPORTED:
        raise _refuse(UNSUPPORTED[mime_type])
    if kind == AssetKind.IMAGE:
        return probe_image(path)
    if kind in (AssetKind.VIDEO, AssetKind.AUDIO):
        return probe_av(path, kind, opener)
    if mime_type == "application/pdf":
        return probe_pdf(path)
    raise _refuse(f"Files of type {mime_type} cannot be checked here, so they are not kept.")
