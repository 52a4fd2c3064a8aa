"""Applying an operation to a file: a still, or a frame range of a clip (the rest copied through).

Video keeps its frame rate, time base and audio (remuxed untouched); the picture is H.264 at high
quality, so frames outside the range are visually identical to the source.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from editing.operations import FrameContext, Operation

IMAGE_FORMATS = {
    "image/jpeg": ("JPEG", {"quality": 95}),
    "image/png": ("PNG", {}),
    "image/webp": ("WEBP", {"quality": 95}),
    "image/tiff": ("TIFF", {}),
}
OUTPUT_SUFFIX = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "video/mp4": ".mp4",
    "video/quicktime": ".mp4",
    "video/x-matroska": ".mp4",
}


def output_mime(input_mime: str) -> str:
    return input_mime if input_mime.startswith("image/") else "video/mp4"


def edit_still(
    source: Path,
    target: Path,
    mime_type: str,
    operation: Operation,
    mask: Image.Image | None,
    make_context: Callable[[int], FrameContext],
) -> None:
    with Image.open(source) as opened:
        image = opened.convert("RGB")
    result = operation.edit(image, mask, make_context(0))
    fmt, options = IMAGE_FORMATS.get(mime_type, ("PNG", {}))
    result.save(target, fmt, **options)


def edit_clip(
    source: Path,
    target: Path,
    operation: Operation,
    mask: Image.Image | None,
    make_context: Callable[[int], FrameContext],
    frames: range,
    on_frame: Callable[[int], None],
) -> None:
    with av.open(str(source)) as inp, av.open(str(target), "w", format="mp4") as out:
        video_in = inp.streams.video[0]
        audio_in = inp.streams.audio[0] if inp.streams.audio else None
        rate = video_in.average_rate or Fraction(24)
        video_out = out.add_stream("libx264", rate=rate)
        video_out.width, video_out.height = (
            video_in.codec_context.width,
            video_in.codec_context.height,
        )
        video_out.pix_fmt = "yuv420p"
        video_out.time_base = video_in.time_base
        video_out.options = {"crf": "12", "preset": "fast"}
        audio_out = out.add_stream_from_template(audio_in) if audio_in is not None else None
        index = 0
        for packet in inp.demux(*[s for s in (video_in, audio_in) if s is not None]):
            if audio_in is not None and packet.stream == audio_in:
                if packet.dts is not None:
                    packet.stream = audio_out
                    out.mux(packet)
                continue
            for frame in packet.decode():
                out.mux(
                    video_out.encode(_frame(frame, index, frames, operation, mask, make_context))
                )
                on_frame(index)
                index += 1
        out.mux(video_out.encode(None))


def _frame(frame, index, frames, operation, mask, make_context):
    if index not in frames:
        picture = frame.reformat(format="yuv420p")
    else:
        edited = operation.edit(frame.to_image(), mask, make_context(index))
        picture = av.VideoFrame.from_image(edited.convert("RGB")).reformat(format="yuv420p")
    picture.pts, picture.time_base = frame.pts, frame.time_base
    return picture
