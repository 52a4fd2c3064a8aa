"""Synthetic footage for the demo, tests and benchmarks: moving shapes standing in for actors.

Real encoders (libx264, AAC) through PyAV and Pillow, so the files are ordinary media files.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw


def _scene(width: int, height: int, t: float, rng_seed: int) -> Image.Image:
    rng = random.Random(rng_seed)  # noqa: S311  (picture content, not security)
    sky = tuple(rng.randint(40, 120) for _ in range(3))
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, int(height * 0.7), width, height], fill=(60, 90, 50))
    for actor in range(2):
        x = (0.2 + 0.6 * ((t * (0.15 + 0.1 * actor) + actor * 0.4) % 1.0)) * width
        y = height * (0.45 + 0.05 * math.sin(t * 3 + actor))
        r = height * 0.12
        color = (220, 180 - 60 * actor, 140 + 80 * actor)
        draw.ellipse([x - r * 0.5, y - r * 1.6, x + r * 0.5, y - r * 0.6], fill=color)
        draw.rectangle([x - r * 0.6, y - r * 0.6, x + r * 0.6, y + r], fill=color)
    draw.line([width * 0.8, 0, width * 0.78, height * 0.3], fill=(30, 30, 30), width=3)
    return image


def make_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 24,
    size: tuple[int, int] = (320, 180),
    audio: bool = True,
    seed: int = 1,
    codec: str = "libx264",
    container_format: str | None = None,
    faststart: bool = False,
) -> Path:
    width, height = size
    frames = max(1, round(seconds * fps))
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, options=options) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p" if codec != "rawvideo" else "rgb24"
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "crf": "23"}
        sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None
        for i in range(frames):
            frame = av.VideoFrame.from_image(_scene(width, height, i / fps, seed))
            out.mux(video.encode(frame.reformat(format=video.pix_fmt)))
        out.mux(video.encode(None))
        if sound is not None:
            _write_tone(out, sound, seconds)
    return path


def _write_tone(out, stream, seconds: float) -> None:
    rate, chunk = 48000, 1024
    total = int(seconds * rate)
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        t = (np.arange(start, start + n) / rate).astype(np.float32)
        tone = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def make_still(
    path: Path, *, size: tuple[int, int] = (640, 360), seed: int = 1, format: str | None = None
) -> Path:
    _scene(*size, t=0.7, rng_seed=seed).save(path, format=format)
    return path
