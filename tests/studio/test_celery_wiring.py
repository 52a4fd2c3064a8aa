"""A task sent through the configured broker (Redis in CI) is run by a real worker process."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from studio.celery import app
from studio.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue():
    """A queue of this test's own, so messages other tests left on the broker do not get in the way."""
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def worker(queue, tmp_path):
    name = f"{queue}@%h"
    log = (tmp_path / "worker.log").open("w")
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "studio.settings_test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "studio",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-n",
            name,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: a worker that logs a lot must never block on a full pipe
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.mark.slow
def test_a_real_worker_consumes_the_real_broker(worker, queue):
    assert not app.conf.task_always_eager
    nonce = uuid.uuid4().hex

    answer = ping.apply_async(args=[nonce], queue=queue).get(timeout=90)

    assert answer["nonce"] == nonce
    assert answer["pid"] == worker.pid
    assert app.conf.broker_url == settings.CELERY_BROKER_URL


def test_the_queues_are_declared_from_one_enum():
    assert [q.name for q in app.conf.task_queues] == ["default", "gpu"]
    assert app.conf.task_default_queue == "default"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
