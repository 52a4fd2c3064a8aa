"""Real gunicorn with deploy/gunicorn.conf.py and production settings: probes, static files, the API."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(tmp_path, port: int) -> dict:
    cleared = ("DJANGO_", "DATABASE_", "GUNICORN_", "STATIC_", "MEDIA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(cleared)}
    return env | {
        "DJANGO_SETTINGS_MODULE": "studio.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "CLEARCUT_VAR_DIR": str(tmp_path),
        "BEHIND_TLS_PROXY": "true",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
    }


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310  (loopback http only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (loopback)
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_for(url: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited early"
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer in time")


@pytest.fixture
def server(tmp_path):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    env = _env(tmp_path, port)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz", process, time.monotonic() + 60)
        yield base, tmp_path
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_gunicorn_serves_probes_static_files_and_the_api(server):
    base, var_dir = server

    status, _, body = _get(f"{base}/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    status, headers, body = _get(
        f"{base}/static/{hashed}", **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"}
    )
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert headers.get("Content-Encoding") == "gzip"
    assert "immutable" in headers["Cache-Control"]

    status, headers, body = _get(f"{base}/api/v1/", **{"X-Forwarded-Proto": "https"})
    assert status == 401
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(body)["status"] == 401
    correlation_id = headers["X-Correlation-ID"]

    time.sleep(0.5)  # the access log line is written after the response
    assert f"correlation_id={correlation_id}" in (var_dir / "gunicorn.log").read_text()
