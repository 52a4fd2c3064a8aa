"""Real processes for the fault drills: a Redis of the test's own (so it can be stopped, and nothing
another test left on a shared broker gets in the way), Celery workers on this test's database, and
the footage and rights the drills edit.

Every drill runs on PostgreSQL (row locks, ``SKIP LOCKED``) and is skipped with the reason elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from studio import queues
from studio.queues import TASK_ROUTES
from tests.worker.conftest import (  # noqa: F401,F811
    START,
    chain,
    environment,
    ingest_cleared_clip,
    tiny_inpaint,
)

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A redis-server on a free port, without persistence: stopping it loses what it held."""

    def __init__(self, folder: Path):
        self.port, self.folder, self.process = free_port(), folder, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, 20, "redis-server to answer")

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        wait_for(lambda: not self._answers(), 10, "redis-server to stop")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the fault drills need PostgreSQL (row locks, SKIP LOCKED)")


@pytest.fixture
def redis_server(tmp_path, postgres, monkeypatch):
    """The test's own broker; this process publishes to it too (through the outbox)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    # Celery reads CELERY_BROKER_URL from the environment before its own settings.
    monkeypatch.setenv("CELERY_BROKER_URL", server.url)
    app = Celery("faults", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = app.conf.result_backend = server.url
    app.conf.task_routes = TASK_ROUTES
    # A publish to a stopped broker gives up quickly, as it would behind a load balancer's timeout.
    app.conf.broker_connection_timeout = 2
    monkeypatch.setattr(queues, "current_app", app)
    yield server
    app.close()
    if server.process.poll() is None:
        server.kill()


def worker_env(broker_url: str, **extra: str) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "studio.settings_test",
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": broker_url,
        "CACHE_URL": broker_url,
        **extra,
    }


class Worker:
    """One Celery worker (prefork, one child) in its own process group, so it can be killed whole."""

    def __init__(self, broker_url: str, queues_: str, log_dir: Path, **env: str):
        self.log = open(log_dir / f"worker-{uuid.uuid4().hex[:6]}.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "studio", "worker", "-Q", queues_]
            + ["--pool", "prefork", "--concurrency", "1", "-n", f"drill-{uuid.uuid4().hex[:8]}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
            cwd=ROOT,
            env=worker_env(broker_url, **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in path.read_text().split()]
        return []

    def kill_whole(self) -> None:
        """SIGKILL to the parent and its children at once: a node lost, not a clean shutdown."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_whole()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any child left behind
        self.log.seek(0)
        text = self.log.read()
        self.log.close()
        return text


@pytest.fixture
def workers(redis_server, environment, tmp_path):  # noqa: F811
    """start(queues, **env) -> a running Worker on the test's broker and database."""
    started: list[Worker] = []

    def start(queues_: str = "gpu,default", **env: str) -> Worker:
        worker = Worker(redis_server.url, queues_, tmp_path, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        print(worker.stop()[-3000:])  # shown by pytest when the test fails


@pytest.fixture
def edit_clip(tmp_path, production, superuser):
    """A clip of this production that may be edited (classical and AI edits) everywhere."""
    return ingest_cleared_clip(
        tmp_path, production, superuser, ["edit", "ai_edit"], seconds=3, size=(96, 64)
    )


def spool_entries(prefix: str) -> list[str]:
    return sorted(
        p.name for p in Path(settings.ASSET_SPOOL_DIR).iterdir() if p.name.startswith(prefix)
    )
