"""What the HTTP benchmarks share: the production server (gunicorn with ``deploy/gunicorn.conf.py``)
started on the seeded world (``bench/world.py``), and a compact load generator.

The load generator is one asyncio process speaking raw HTTP/1.1 over keep-alive connections, with
every request's bytes prepared before the run. It is reniced (+10) once the server is up, so on a
small machine the server gets the CPU first, and it reports its own CPU time: on 2 cores one core
is the most it can take, and the report says how much of one it used.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import production_env

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


# --- the server ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    access_log: Path
    error_log: Path
    workers: int
    threads: int

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(*, settings_module: str = "studio.settings") -> Server:
    """gunicorn -c deploy/gunicorn.conf.py with production settings on the benchmark's database;
    the access log goes to a file, its %(M)s field read back as server-side latency."""
    var_dir = Path(os.environ["CLEARCUT_VAR_DIR"])
    port = _free_port()
    access_log, error_log = var_dir / "access.log", var_dir / "error.log"
    env = {
        k: v for k, v in production_env(settings_module).items() if not k.startswith("GUNICORN_")
    }
    env |= {
        "BEHIND_TLS_PROXY": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(access_log),
        "GUNICORN_ERROR_LOG": str(error_log),
        "GUNICORN_LOG_LEVEL": "warning",
        **{k: v for k, v in os.environ.items() if k.startswith("GUNICORN_WORKERS")},
        **{k: v for k, v in os.environ.items() if k.startswith("GUNICORN_THREADS")},
    }
    process = subprocess.Popen(  # noqa: S603  (our own gunicorn, our own config)
        [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")], cwd=ROOT, env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {error_log.read_text()[-2000:]}")
        try:
            request = urllib.request.Request(  # noqa: S310  (loopback)
                f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310  (loopback)
                break
        except OSError:
            time.sleep(0.2)
    config = _gunicorn_config(env)
    return Server(process, port, access_log, error_log, config["workers"], config["threads"])


def _gunicorn_config(env: dict) -> dict:
    script = (
        "import runpy, json; c = runpy.run_path('deploy/gunicorn.conf.py'); "
        "print(json.dumps({'workers': c['workers'], 'threads': c['threads']}))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def renice_self() -> None:
    """Below the server: the load generator must not take the CPU the server needs."""
    os.nice(10)


# --- the client ---------------------------------------------------------------------------------


def http_request(method: str, path: str, *, token: str | None = None, body=None) -> bytes:
    """The bytes of one HTTP/1.1 keep-alive request, prepared before the run."""
    payload = json.dumps(body).encode() if body is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "X-Forwarded-Proto: https",
        "Accept: application/json",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_error: str | None = None

    def total(self) -> int:
        return sum(len(v) for v in self.latencies.values())


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() == "close", body


async def _connection(port, pick, deadline, tally: Tally) -> None:
    loop = asyncio.get_running_loop()
    reader = writer = None
    while loop.time() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        name, raw = pick()
        started = time.perf_counter()
        try:
            writer.write(raw)
            status, closing, body = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError) as exc:
            tally.errors[name] += 1
            tally.first_error = tally.first_error or f"{name}: {exc!r}"
            writer.close()
            writer = None
            continue
        tally.latencies[name].append(time.perf_counter() - started)
        if not 200 <= status < 300:
            tally.errors[name] += 1
            tally.first_error = tally.first_error or f"{name}: {status} {body[:300]!r}"
        if closing:
            writer.close()
            writer = None
    if writer is not None:
        writer.close()


def drive(
    port: int, pick: Callable[[], tuple[str, bytes]], *, connections: int, seconds: float
) -> tuple[Tally, float, float]:
    """``connections`` keep-alive connections for ``seconds``; the tally, the wall time and the
    load generator's own CPU seconds."""
    tally = Tally()
    cpu = resource.getrusage(resource.RUSAGE_SELF)

    async def main():
        deadline = asyncio.get_running_loop().time() + seconds
        await asyncio.gather(
            *(_connection(port, pick, deadline, tally) for _ in range(connections))
        )

    started = time.perf_counter()
    asyncio.run(main())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    return tally, wall, used


def mix(choices: dict[str, list[bytes]], rng: random.Random) -> Callable[[], tuple[str, bytes]]:
    """Equal shares of each endpoint, each request drawn from its prepared variants."""
    names = list(choices)

    def pick() -> tuple[str, bytes]:
        name = rng.choice(names)
        return name, rng.choice(choices[name])

    return pick


# --- server-side latency from the access log ----------------------------------------------------

LOG_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.[01]" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms'
)


def server_latencies(server: Server, offset: int, classify: Callable[[str], str | None]) -> dict:
    """Endpoint -> the server-side milliseconds gunicorn logged (%(M)s) since ``offset``."""
    found: dict[str, list[int]] = defaultdict(list)
    with server.access_log.open("rb") as log:
        log.seek(offset)
        for raw in log:
            match = LOG_LINE.search(raw.decode("utf-8", "replace"))
            if match and (name := classify(match["path"])):
                found[name].append(int(match["ms"]))
    return found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def server_cpu_seconds(server: Server) -> float:
    """CPU seconds of gunicorn's master and workers so far, workers already replaced included: a
    cost per request that other work on a busy machine does not inflate (PostgreSQL's not counted)."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int) -> list[str]:
        raw = Path(f"/proc/{pid}/stat").read_text()
        return raw.rsplit(")", 1)[1].split()

    master = stat(server.process.pid)
    # after ")": state is field 3, so utime/stime/cutime/cstime (fields 14–17) sit at 11–14
    total = sum(int(v) for v in master[11:15])
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    for pid in children.read_text().split():
        try:
            total += sum(int(v) for v in stat(int(pid))[11:13])
        except FileNotFoundError:
            continue  # replaced meanwhile: its time is in the master's cutime/cstime
    return total / tick
