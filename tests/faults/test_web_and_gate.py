"""A web process killed mid-upload leaves no asset and, after the sweep, nothing in the spool; a
revocation between submit and start denies the job when a real worker starts it."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from assets.janitor import spool_clean
from assets.models import Asset
from editing.models import EditJob
from editing.services import edit_job_submit
from licensing.models import License
from licensing.services import license_set_status
from tests.factories import make_token
from tests.faults.conftest import ROOT, free_port, wait_for, worker_env

pytestmark = pytest.mark.slow
GUNICORN = Path(sys.executable).parent / "gunicorn"
BOUNDARY = "drill-boundary"


def _spool() -> set[str]:
    return {p.name for p in Path(settings.ASSET_SPOOL_DIR).iterdir()}


@pytest.fixture
def web(redis_server, tmp_path):
    """gunicorn with the production config file, on this test's database."""
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    port = free_port()
    env = worker_env(redis_server.url, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def answers() -> bool:
        assert process.poll() is None, "gunicorn exited early"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    wait_for(answers, 60, "gunicorn to listen")
    yield port, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    log.seek(0)
    print(log.read()[-3000:])
    log.close()


def _start_upload(port: int, key: str, declared: int) -> socket.socket:
    """Send the request head and the start of a large file, and keep the connection open."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="production"\r\n\r\nALPHA\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="origin"\r\n\r\ndailies\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="take.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    request = (
        "POST /api/v1/assets/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(head) + declared}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(request + head)
    chunk = os.urandom(1024 * 1024)
    for _ in range(8):
        sock.sendall(chunk)
    return sock


def test_a_web_process_killed_mid_upload_leaves_no_asset_and_the_sweep_clears_the_spool(
    production, member, web
):
    port, server = web
    _, key = make_token(member("coordinator", production), [production], can_write=True)
    assets_before, spool_before = Asset.objects.count(), _spool()

    sock = _start_upload(port, key, declared=200 * 1024 * 1024)
    partial = wait_for(lambda: _spool() - spool_before, 30, "the upload to reach the spool")
    os.killpg(server.pid, signal.SIGKILL)  # the web process and its workers, mid-request
    server.wait()
    sock.close()

    assert Asset.objects.count() == assets_before
    assert partial <= _spool()  # the partial upload is still there, owned by nobody
    report = spool_clean(grace=0)
    assert {p.name for p in (item.path for item in report.removed)} >= partial
    assert _spool() == set()


def test_a_license_suspended_between_submit_and_start_denies_the_job_at_start(
    production, member, edit_clip, workers
):
    coordinator, legal = member("coordinator", production), member("legal", production)
    job = edit_job_submit(
        actor=coordinator,
        production=production,
        operation="regrain",
        inputs=[edit_clip],
        territory="US",
        media="svod",
        parameters={"frame_start": 0, "frame_end": 6},
        seed=3,
    )
    assert job.status == "queued"  # on the broker; no worker is running yet

    license_set_status(
        actor=legal, license=License.objects.get(production=production), status="suspended"
    )
    workers("gpu,default")
    denied = wait_for(
        lambda: EditJob.objects.filter(pk=job.pk, status="denied").first(),
        60,
        "the worker's gate to deny the job",
    )

    assert denied.start_evaluation_id is not None
    assert "edit" in denied.error
    assert denied.output_id is None
    assert not Asset.objects.filter(origin="ai_output", production=production).exists()
