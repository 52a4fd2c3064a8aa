"""Gunicorn settings for the Clearcut web process.

    gunicorn -c deploy/gunicorn.conf.py

Every value can be changed from the environment; ``deploy/clearcut.env.example`` lists them.
"""

import gc
import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def _default_workers() -> int:
    # The usual 2 × cores + 1, capped: each worker holds its own database pool and caches.
    return min(2 * (os.cpu_count() or 1) + 1, 12)


wsgi_app = "studio.wsgi:application"
proc_name = "clearcut-web"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")]

# Threads share a worker's memory and database pool; uploads and downloads spend most of their time
# waiting on the network and the disk, which suits threads.
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", _default_workers())
threads = _int("GUNICORN_THREADS", 4)

# Uploads stream to the spool file while they arrive, so a large camera file takes minutes on a slow
# link: a worker is given that long before the arbiter restarts it, and as long to finish its
# requests on a graceful restart.
timeout = _int("GUNICORN_TIMEOUT", 300)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 300)
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Request heads are small and bounded; bodies are bounded by Django (DATA_UPLOAD_MAX_MEMORY_SIZE
# for JSON and forms, ASSET_MAX_BYTES for uploads).
limit_request_line = _int("GUNICORN_LIMIT_REQUEST_LINE", 8190)
limit_request_fields = _int("GUNICORN_LIMIT_REQUEST_FIELDS", 100)
limit_request_field_size = _int("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)

# Workers are replaced after a while, staggered, so that slow leaks (decoders, caches) stay bounded.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# Only the reverse proxy in front may set X-Forwarded-* (comma-separated addresses or networks).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The correlation id is the one the response carries: the caller's, or the one the app gave it.
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s" correlation_id=%({x-correlation-id}o)s'
)

# The workers' liveness files go to memory where there is a tmpfs (a slow disk stalls them); gunicorn
# creates them unlinked, so a shared directory is safe here.
SHARED_MEMORY = Path("/dev/shm")  # noqa: S108
if SHARED_MEMORY.is_dir():
    worker_tmp_dir = str(SHARED_MEMORY)


def post_worker_init(worker):
    """With the app loaded (and its URLconf: views, serializers, DRF), move everything allocated so
    far out of the garbage collector's sight (``gc.freeze``): a full collection then walks what the
    requests made, not the whole of Django. A bulk clearance check of 1,000 uses spent a fifth of
    its CPU in collections walking the startup objects."""
    from django.urls import get_resolver  # reason: Django is set up once the app has loaded

    get_resolver().url_patterns  # noqa: B018  (imports every view now, not on the first request)
    gc.collect()
    gc.freeze()
