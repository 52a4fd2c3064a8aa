"""Ingest throughput and memory against the real limit, measured in the same run.

The file is a real video (uncompressed frames in a QuickTime container, so size costs no encoding
time). Ingest reads and hashes the bytes and writes them to the spool's filesystem (made durable
before anything records them), so no ingest can beat the slower of one read + SHA-256 of the file
(hashlib) and one direct sequential write of its size to that filesystem (``O_DIRECT``, as
``dd oflag=direct``): the limit is min(read + hash, write). Goals against it: 1 GiB ≥ 0.9×, 128 MiB
≥ 0.85×, and a camera card (200 files of 20 MB) through ``manage.py ingest`` ≥ 0.8× of the
aggregate limit (read + hash in as many threads as the command uses, write of the card's size).
The truncation proof (``assets.probe``: first frame and last GOP decoded) is timed on its own.
``sha256sum`` is printed for reference only.
"""

import hashlib
import io
import json
import mmap
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from bench.harness import print_table
from studio.models import Production

GIB = 1024**3
MB = 1_000_000
WRITE_CHUNK = 8 * 1024 * 1024
GOALS = {"1 GiB": 0.9, "128 MiB": 0.85, "card": 0.8}
CARD_FILES, CARD_FILE_BYTES = 200, 20 * MB


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


def _direct_write(size: int, folder: Path | None = None) -> tuple[float, str]:
    """Write ``size`` bytes sequentially to the spool's filesystem (or ``folder``) with O_DIRECT
    and sync, as ``dd oflag=direct conv=fsync``; buffered + fsync where O_DIRECT is refused."""
    folder = folder or Path(settings.ASSET_SPOOL_DIR)
    buffer = mmap.mmap(-1, WRITE_CHUNK)  # page-aligned, as O_DIRECT needs
    buffer.write(os.urandom(1024 * 1024) * (WRITE_CHUNK // (1024 * 1024)))
    path = folder / f"bench-direct-{os.getpid()}"
    mode = "O_DIRECT"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_DIRECT", 0))
    except OSError:
        fd, mode = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "buffered"
    try:
        start = time.perf_counter()
        written = 0
        while written < size:
            try:
                written += os.write(fd, buffer)
            except OSError:  # O_DIRECT refused at the first write (tmpfs): buffered from here
                if mode != "O_DIRECT" or written:
                    raise
                os.close(fd)
                fd, mode = os.open(path, os.O_WRONLY | os.O_TRUNC), "buffered"
        os.fsync(fd)
        return time.perf_counter() - start, mode
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
        buffer.close()


def _truncation_proof(path: Path) -> float:
    """Seconds of ``probe`` (the decode that proves the file whole), median of 3."""
    from assets.probe import probe

    times = []
    for _ in range(3):
        start = time.perf_counter()
        probe(path, "video", "video/quicktime")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
    """Each run hashes the file with hashlib, writes its size directly to the spool's filesystem,
    then ingests it into a new production in a fresh process, so all three meet the same machine;
    the ratio to the limit is taken per run and the median reported. Between runs the disk is
    allowed to settle (the previous run's stored copy was deleted)."""
    size = path.stat().st_size
    trios = []
    for _ in range(runs):
        os.sync()
        time.sleep(2)
        production = Production.objects.create(
            code=f"BENCH{Production.objects.count():04d}", name="Ingest benchmark"
        )
        hashed = _hashlib_pass(path)
        written, mode = _direct_write(size)
        trios.append((hashed, written, mode, _ingest_in_child(path, production)))
    ratios = [max(h, w) / child["seconds"] for h, w, _, child in trios]
    return {
        "hashed": statistics.median(t[0] for t in trios),
        "written": statistics.median(t[1] for t in trios),
        "mode": trios[0][2],
        "seconds": statistics.median(t[3]["seconds"] for t in trios),
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "peak_rss_kib": max(t[3]["peak_rss_kib"] for t in trios),
    }


def _rate(size: int, seconds: float) -> str:
    return f"{size / seconds / MB:,.0f} MB/s"


def _file_row(label: str, path: Path, measured: dict, reference: float | None) -> list[str]:
    actual = path.stat().st_size
    limit = max(measured["hashed"], measured["written"])
    return [
        label,
        _rate(actual, measured["hashed"]),
        f"{_rate(actual, measured['written'])} ({measured['mode']})",
        _rate(actual, limit),
        _rate(actual, measured["seconds"]),
        f"{measured['ratio']:.2f}",
        f"≥ {GOALS[label]}",
        f"{min(measured['ratios']):.2f}–{max(measured['ratios']):.2f}",
        f"{_truncation_proof(path) * 1000:.0f} ms",
        f"{measured['peak_rss_kib'] / 1024:,.0f} MB",
        _rate(actual, reference) if reference else "n/a",
    ]


def _make_card(folder: Path, files: int) -> list[Path]:
    """A camera card: ``files`` clips of about 20 MB, each different."""
    from assets.synthetic import make_clip

    frame_bytes = 1920 * 1080 * 3
    frames = max(2, CARD_FILE_BYTES // frame_bytes)
    folder.mkdir(parents=True)
    return [
        make_clip(
            folder / f"A001C{index:03d}.mov",
            seconds=frames / 24,
            fps=24,
            size=(1920, 1080),
            audio=False,
            seed=index,
            codec="rawvideo",
            container_format="mov",
        )
        for index in range(files)
    ]


def _card(folder: Path, files: int) -> list[str]:
    """``manage.py ingest`` of a whole card (in this process: imports and connections warm) vs
    the aggregate limit: all files read and hashed by as many threads as the command uses, and
    one direct write of the card's size."""
    from assets import storage
    from assets.management.commands.ingest import Command
    from assets.models import Asset

    card = _make_card(folder / "card", files)
    total = sum(p.stat().st_size for p in card)
    jobs = Command().create_parser("manage.py", "ingest").get_default("jobs")
    for path in card:
        _drop_cache_hint(path)
    start = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(_hashlib_pass, card))
    hashed = time.perf_counter() - start
    written, mode = _direct_write(total)
    production = Production.objects.create(code="BENCHCARD", name="Card benchmark")
    settings.ASSET_INGEST_ROOTS = [folder.resolve()]
    os.sync()
    start = time.perf_counter()
    call_command(
        "ingest",
        str(folder / "card"),
        production=production.code,
        no_progress=True,
        stdout=io.StringIO(),
    )
    seconds = time.perf_counter() - start
    assert Asset.objects.filter(production=production).count() == files
    for key in Asset.objects.filter(production=production).values_list("storage_key", flat=True):
        storage.remove(key)
    limit = max(hashed, written)
    return [
        f"card: {files} × {total / files / MB:.0f} MB, {jobs} jobs",
        _rate(total, hashed),
        f"{_rate(total, written)} ({mode})",
        _rate(total, limit),
        _rate(total, seconds),
        f"{limit / seconds:.2f}",
        f"≥ {GOALS['card']}",
        "",
        f"{_truncation_proof(card[0]) * 1000:.0f} ms",
        "",
        "",
    ]


def run(*, scale: float = 1.0, runs: int = int(os.environ.get("BENCH_INGEST_RUNS", 5))) -> None:
    rows = []
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
        for label, size in (("1 GiB", int(GIB * scale)), ("128 MiB", int(GIB * scale) // 8)):
            path = _make_video(Path(folder) / f"clip-{size}.mov", size)
            _drop_cache_hint(path)
            reference = _sha256sum(path)
            rows.append(_file_row(label, path, _paired_runs(path, runs), reference))
            path.unlink()
        rows.append(_card(Path(folder), max(8, int(CARD_FILES * scale))))
    print_table(
        "Ingest (stream + hash + durable write + store + probe + credentials) vs the limit:"
        f" min(read + SHA-256, direct write) of the same bytes, {runs} runs per file, medians",
        [
            "file",
            "read+hash",
            "direct write",
            "limit",
            "ingest",
            "ingest/limit",
            "goal",
            "range",
            "truncation proof",
            "ingest peak RSS",
            "sha256sum (reference)",
        ],
        rows,
    )
