"""Stamping and verifying Content Credentials on a 100 MB MP4 and a 100 MB JPEG, vs one SHA-256 pass
over the same file in the same run. Stamping copies the file once, hashing it on the way (we compute
the hard binding, the SDK signs it), so its limit is the slower of one hash pass and one direct
write of the copy's size to the same filesystem (goal: stamp ≤ 1.5× that limit). Verifying is
measured twice, each in a fresh process: as Clearcut reads (a large JPEG's hard binding hashed in
one stream, the SDK reading only its header) and as the bare SDK reads the same file, the baseline
that shows what the SDK alone costs.

Goals for verifying a stamped JPEG: at most 3× one SHA-256 pass, peak RSS under 250 MB."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from bench.harness import print_table
from bench.ingest import _direct_write, _hashlib_pass

MB = 1_000_000


def _jpeg(path: Path, size: int) -> Path:
    side = int((size / 1.5) ** 0.5)  # noise at quality 95 costs about 1.5 bytes per pixel
    pixels = np.random.default_rng(3).integers(0, 256, (side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, "JPEG", quality=95)
    return path


def _mp4(path: Path, size: int) -> Path:
    import av

    rng = np.random.default_rng(5)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        written = 0
        while written < size:
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8), format="rgb24"
            )
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                written += packet.size
                out.mux(packet)
        out.mux(stream.encode(None))
    return path


STAMP_GOAL = 1.5
VERIFY_GOAL = 3.0
RSS_GOAL_MB = 250


def _child(mode: str, path: Path, mime_type: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.stamp_child", mode, str(path), mime_type],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "studio.settings"},
        cwd=settings.BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(*, scale: float = 1.0) -> None:
    call_command("c2pa_dev_cert", verbosity=0)
    rows = []
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
        for mime_type, maker, name in (
            ("video/mp4", _mp4, "clip.mp4"),
            ("image/jpeg", _jpeg, "still.jpg"),
        ):
            path = maker(Path(folder) / name, int(100 * MB * scale))
            size = path.stat().st_size
            hashed = min(_hashlib_pass(path) for _ in range(3))
            written = min(_direct_write(size, Path(folder))[0] for _ in range(3))
            limit = max(hashed, written)
            result = _child("stamp", path, mime_type)
            target = Path(result["target"])
            ours = _child("verify", target, mime_type)
            sdk = _child("sdk", target, mime_type)
            target.unlink()
            rows.append(
                [
                    name,
                    f"{size / MB:,.0f} MB",
                    f"{hashed * 1000:,.0f} ms",
                    f"{result['stamp'] * 1000:,.0f} ms",
                    f"{result['stamp'] / hashed:.1f}×",
                    f"{written * 1000:,.0f} ms",
                    f"{result['stamp'] / limit:.2f}× (≤ {STAMP_GOAL}×)",
                    f"{ours['verify'] * 1000:,.0f} ms",
                    f"{ours['verify'] / hashed:.1f}× (≤ {VERIFY_GOAL:.0f}×)",
                    f"{ours['peak_rss_kib'] / 1024:,.0f} MB (< {RSS_GOAL_MB})",
                    f"{sdk['verify'] / hashed:.1f}×",
                    f"{sdk['peak_rss_kib'] / 1024:,.0f} MB",
                    ours["state"],
                ]
            )
    print_table(
        "Content Credentials: stamp and verify vs one SHA-256 pass over the same file"
        "; stamping's limit: the slower of that pass and a direct write of the same size (verify and"
        " the bare SDK's read each in a fresh process)",
        [
            "file",
            "size",
            "sha256",
            "stamp",
            "stamp/hash",
            "direct write",
            "stamp/limit (goal)",
            "verify",
            "verify/hash",
            "verify RSS",
            "SDK alone/hash",
            "SDK alone RSS",
            "state",
        ],
        rows,
    )
