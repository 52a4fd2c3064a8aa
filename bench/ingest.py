"""Ingest throughput and memory vs reading and hashing the same file with hashlib in the same run.

The file is a real video (uncompressed frames in a QuickTime container, so size costs no encoding
time). The limit any ingest can reach is one read plus one SHA-256 of the bytes; ingest also writes
them to storage, probes and reads credentials. ``sha256sum`` is printed for reference only.
"""

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from bench.harness import print_table
from studio.models import Production

GIB = 1024**3


def _make_video(path: Path, size_bytes: int) -> Path:
    from assets.synthetic import make_clip

    frame_bytes = 1920 * 1080 * 3
    frames = max(2, size_bytes // frame_bytes)
    return make_clip(
        path,
        seconds=frames / 24,
        fps=24,
        size=(1920, 1080),
        audio=False,
        codec="rawvideo",
        container_format="mov",
    )


def _drop_cache_hint(path: Path) -> None:
    """Read once so every contender starts from the page cache, as in production re-runs."""
    with path.open("rb") as handle:
        while handle.read(8 * 1024 * 1024):
            pass


def _hashlib_pass(path: Path) -> float:
    start = time.perf_counter()
    digest = hashlib.sha256()
    buffer = bytearray(1024 * 1024)
    view = memoryview(buffer)
    with path.open("rb") as handle:
        while read := handle.readinto(view):
            digest.update(view[:read])
    return time.perf_counter() - start


def _sha256sum(path: Path) -> float | None:
    if not shutil.which("sha256sum"):
        return None
    start = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - start


def _ingest_in_child(path: Path, production: Production) -> dict:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "studio.settings"}
    out = subprocess.run(
        [sys.executable, "-m", "bench.ingest_child", str(path), production.code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _paired_runs(path: Path, runs: int) -> dict:
    """Each run hashes the file with hashlib, then ingests it into a new production in a fresh
    process, so both meet the same machine; the ratio is taken per pair and the median reported.
    Between pairs the disk is allowed to settle (the previous run's stored copy was deleted)."""
    pairs = []
    for _ in range(runs):
        os.sync()
        time.sleep(2)
        production = Production.objects.create(
            code=f"BENCH{Production.objects.count():04d}", name="Ingest benchmark"
        )
        hashed = _hashlib_pass(path)
        pairs.append((hashed, _ingest_in_child(path, production)))
    return {
        "hashed": statistics.median(hashed for hashed, _ in pairs),
        "seconds": statistics.median(child["seconds"] for _, child in pairs),
        "ratio": statistics.median(hashed / child["seconds"] for hashed, child in pairs),
        "ratios": [hashed / child["seconds"] for hashed, child in pairs],
        "peak_rss_kib": max(child["peak_rss_kib"] for _, child in pairs),
    }


def run(*, scale: float = 1.0, runs: int = 5) -> None:
    rows = []
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
        for size in (int(GIB * scale), int(GIB * scale) // 8):
            path = _make_video(Path(folder) / f"clip-{size}.mov", size)
            actual = path.stat().st_size
            _drop_cache_hint(path)
            reference = _sha256sum(path)
            measured = _paired_runs(path, runs)
            rows.append(
                [
                    f"{actual / 1e6:,.0f} MB",
                    f"{actual / measured['hashed'] / 1e6:,.0f} MB/s",
                    f"{actual / measured['seconds'] / 1e6:,.0f} MB/s",
                    f"{measured['ratio']:.2f}",
                    f"{min(measured['ratios']):.2f}–{max(measured['ratios']):.2f}",
                    f"{measured['peak_rss_kib'] / 1024:,.0f} MB",
                    f"{actual / reference / 1e6:,.0f} MB/s" if reference else "n/a",
                ]
            )
            path.unlink()
    print_table(
        f"Ingest (stream + hash + store + probe + credentials) vs hashlib read+SHA-256 of the same file,"
        f" {runs} paired runs, medians",
        [
            "file",
            "hashlib",
            "ingest",
            "ingest/hashlib",
            "range",
            "ingest peak RSS",
            "sha256sum (reference)",
        ],
        rows,
    )
