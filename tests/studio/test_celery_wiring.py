"""A task sent through the configured broker (Redis in CI) is run by a real worker process."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db import connection

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


def _run_tasks_as_a_worker(count: int) -> list[int]:
    """What a worker process does around each task: Celery's Django fixup and the task signals,
    with a query in between; the identity of the database connection each task used."""
    fixup = DjangoWorkerFixup(app)  # reads CELERY_DB_REUSE_MAX, as in the worker
    task = app.tasks["studio.worker_heartbeat"]
    used = []
    for _ in range(count):
        fixup.on_task_prerun(sender=task)
        task_prerun.send(sender=task, task_id=uuid.uuid4().hex, task=task, args=(), kwargs={})
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        used.append(id(connection.connection))
        task_postrun.send(sender=task, task_id=uuid.uuid4().hex, task=task, args=(), kwargs={})
        fixup.on_task_postrun(sender=task)
    return used


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_from_task_to_task():
    """Left to itself, Celery's fixup closes the connection around every task, so each task opened
    a new PostgreSQL connection (and a prefork child dropped its whole pool)."""
    assert len(set(_run_tasks_as_a_worker(5))) == 1
    assert connection.connection is not None


@pytest.mark.django_db(transaction=True)
def test_a_connection_past_its_age_is_retired_between_tasks():
    connection.ensure_connection()
    stale = connection.connection
    connection.close_at = 0  # past CONN_MAX_AGE, as Django's request signals would see it

    used = _run_tasks_as_a_worker(2)

    assert stale is not connection.connection
    assert used[0] == used[1]
