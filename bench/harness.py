"""Benchmarks run against a scratch database (never the installation's own: audit rows cannot be
deleted), created before Django starts and dropped afterwards."""

import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse


@contextmanager
def scratch_database() -> Iterator[str]:
    """Point DATABASE_URL at a fresh database: ``<name>_bench`` on PostgreSQL, a temp file otherwise."""
    with tempfile.TemporaryDirectory(prefix="clearcut-bench-") as var_dir:
        # Files (media, spool, broker) go to a scratch folder too, removed afterwards.
        os.environ["CLEARCUT_VAR_DIR"] = var_dir
        url = os.environ.get("DATABASE_URL")
        if not url:
            yield f"sqlite ({var_dir})"
            return
        with _scratch_postgres(url) as where:
            yield where


@contextmanager
def _scratch_postgres(url: str) -> Iterator[str]:
    import psycopg

    parts = urlparse(url)
    name = f"{parts.path.lstrip('/') or 'clearcut'}_bench"
    admin_url = urlunparse(parts._replace(path="/postgres", scheme="postgresql"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{name}"))
    try:
        yield f"postgresql ({name})"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def production_env(settings_module: str = "studio.settings") -> dict[str, str]:
    """The environment of a process run as deployed (DEBUG off: no query log, pooled database
    connections), on the benchmark's database and broker, signing with the development chain
    (``manage.py c2pa_dev_cert``), named as a deployment names its own."""
    from django.conf import settings  # the harness is imported before Django is set up
    from django.core.management import call_command

    call_command("c2pa_dev_cert", verbosity=0)  # a process started so checks its files at start
    dev = Path(settings.C2PA_DEV_DIR)
    kept = ("DJANGO_", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
    return {k: v for k, v in os.environ.items() if not k.startswith(kept)} | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "C2PA_ALLOW_DEV_CERTIFICATE": "true",
        "C2PA_SIGNING_CHAIN": str(dev / "chain.pem"),
        "C2PA_SIGNING_KEY": str(dev / "signer.key"),
        "C2PA_TRUST_ANCHORS": str(dev / "root.pem"),
    }


def start_worker(app: str = "studio", queues: str = "default,gpu") -> subprocess.Popen:
    """A real Celery worker (prefork, one child) on the configured broker, quiet, for one bench,
    configured as deployed (``production_env``)."""
    from django.conf import settings  # the harness is imported before Django is set up

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "-Q",
            queues,
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "-n",
            f"bench-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=production_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def bulk_insert(model, rows: list, batch: int = 10_000) -> None:
    """Seed rows a batch at a time (bulk_create), so a large world never sits in one statement."""
    for i in range(0, len(rows), batch):
        model.objects.bulk_create(rows[i : i + batch], batch_size=batch)
