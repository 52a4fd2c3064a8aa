"""Liveness and readiness probes for load balancers and process supervisors.

``/healthz`` answers whenever the process does and touches nothing else. ``/readyz`` checks what a
request needs: the database, the Celery broker, the media storage and a recent worker heartbeat.
Both are anonymous, so they say only "ok", "down" or "stale" per check; what failed and why goes to
the server log, never into the response.
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker-heartbeat"
PROBE_PREFIX = "health/probe-"
OK, DOWN, STALE = "ok", "down", "stale"


def worker_heartbeat_record() -> None:
    """Written by the beat-scheduled ``studio.worker_heartbeat`` task, on a default-queue worker."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_broker() -> str:
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options
    ) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
    return OK


def check_storage() -> str:
    name = default_storage.save(f"{PROBE_PREFIX}{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as probe:
            if probe.read() != b"ok":
                raise OSError("the storage probe read back different bytes")
    finally:
        default_storage.delete(name)
    return OK


def check_worker() -> str:
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None or time.time() - float(beat) > settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS:
        return STALE
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
    "worker": check_worker,
}


def _run(name: str) -> str:
    try:
        return CHECKS[name]()
    except Exception:
        logger.warning("readiness check %s failed", name, exc_info=True)
        return DOWN


def _answer(checks: dict[str, str] | None = None) -> JsonResponse:
    ready = checks is None or all(state == OK for state in checks.values())
    body = {"status": "ok" if ready else "unavailable"}
    if checks is not None:
        body["checks"] = checks
    return JsonResponse(body, status=200 if ready else 503)


@csrf_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive: no database, broker or storage involved."""
    return _answer()


@csrf_exempt
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: 200 when every check is ok, 503 naming the checks that are not."""
    return _answer({name: _run(name) for name in CHECKS})
