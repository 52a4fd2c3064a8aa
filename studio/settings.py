"""Clearcut settings, read from the environment.

With nothing set, Clearcut runs embedded on one machine: DEBUG on, SQLite and media under ``var/``,
and a Celery broker on the local filesystem. Production sets ``DEBUG=false`` and must then name its
secret key, hosts, database and broker; S3-compatible storage is chosen by ``AWS_STORAGE_BUCKET_NAME``.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from studio.env import env_bool, env_int, env_list, env_path, env_str
from studio.queues import Queue, queue_declarations

BASE_DIR = Path(__file__).resolve().parent.parent
CLEARCUT_VERSION = "0.1.0"
VAR_DIR = env_path("CLEARCUT_VAR_DIR", BASE_DIR / "var")

DEBUG = env_bool("DEBUG", default=True)


def _development_secret_key() -> str:
    """A per-checkout key kept under var/, so sessions survive restarts without a key in the repo."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or _development_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else None)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS must be set.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "studio",
    "studio.webhooks",
    "assets",
    "licensing",
    "editing",
    "legal",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before sessions, CSRF and the correlation id are set up.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.middleware.CorrelationIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "studio.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", required=not DEBUG)


# The statements Clearcut writes once (the API token's lookup, …) are prepared on each connection
# (studio.prepared.statement_cursor). Turn off behind a pooler that does not keep prepared
# statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", default=True)


def _postgres_connections(database: dict) -> dict:
    """A psycopg pool per process when ``DATABASE_POOL`` is on (the production default), otherwise
    persistent connections checked before reuse. Django's pool needs ``CONN_MAX_AGE = 0``."""
    database["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5))
    if DATABASE_PREPARED_STATEMENTS:
        # Django's own cursors bind on the client and never prepare; psycopg then prepares only the
        # statements that ask for it (``prepare=True``), never by count of executions.
        database["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
    if not env_bool("DATABASE_POOL", default=not DEBUG):
        database["CONN_HEALTH_CHECKS"] = True
        return database
    database["CONN_MAX_AGE"] = 0
    database["OPTIONS"]["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": env_int("DATABASE_POOL_MAX_SIZE", 8),
        # Seconds a request waits for a free connection before it fails.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
    }
    return database


if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    DATABASES["default"].setdefault("OPTIONS", {})
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"] = _postgres_connections(DATABASES["default"])
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "clearcut.sqlite3",
            # IMMEDIATE takes SQLite's write lock when a transaction opens, so concurrent writers
            # queue instead of failing on upgrade; the audit chain relies on writers being serialised.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Storage --------------------------------------------------------------------------------------
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "static")
if DEBUG:
    # WhiteNoise reads the apps' folders in development; an empty root keeps it from warning.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
    AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME")
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": _default_storage,
    # Production serves hashed, compressed copies made by `manage.py collectstatic` (WhiteNoise);
    # development and tests read the apps' static folders directly, with no collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    # Signed heads of the audit chains (studio/audit_checkpoints.py): kept off the database, ideally
    # on a mount the database's administrators cannot write.
    "audit_checkpoints": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env_path("AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints")},
    },
}

# --- Assets ---------------------------------------------------------------------------------------
ASSET_MAX_BYTES = env_int("ASSET_MAX_BYTES", 200 * 1024**3)
ASSET_MAX_IMAGE_PIXELS = env_int("ASSET_MAX_IMAGE_PIXELS", 250_000_000)
# Spool beside the media root so that placing a local file is a rename, not a copy.
ASSET_SPOOL_DIR = env_path("ASSET_SPOOL_DIR", VAR_DIR / "incoming")
FILE_UPLOAD_TEMP_DIR = str(ASSET_SPOOL_DIR)
ASSET_SPOOL_DIR.mkdir(parents=True, exist_ok=True)
# The spool janitor removes what is older than this and owned by no running job; it must be longer
# than the longest upload or render (edit jobs stop at EDITING_JOB_TIME_LIMIT).
SPOOL_GRACE_SECONDS = env_int("SPOOL_GRACE_SECONDS", 6 * 3600)
# `manage.py storage_orphans` lists (and with --delete removes) unreferenced objects older than this.
STORAGE_ORPHAN_GRACE_DAYS = env_int("STORAGE_ORPHAN_GRACE_DAYS", 1)
# Server-side ingest (camera cards, network shares) reads only below these directories.
ASSET_INGEST_ROOTS = [Path(p).resolve() for p in env_list("ASSET_INGEST_ROOTS")]

# --- Content Credentials (C2PA) -------------------------------------------------------------------
# Paths to the signing chain (leaf + intermediates, PEM) and key; a KMS/HSM signer class can replace
# the local key (C2PA_SIGNER). In development, `manage.py c2pa_dev_cert` writes a chain to
# var/c2pa/, used when nothing is configured.
C2PA_SIGNING_CHAIN = env_str("C2PA_SIGNING_CHAIN")
C2PA_SIGNING_KEY = env_str("C2PA_SIGNING_KEY")
C2PA_SIGNING_ALG = env_str("C2PA_SIGNING_ALG", "es256")
C2PA_TSA_URL = env_str("C2PA_TSA_URL")
C2PA_TRUST_ANCHORS = env_str("C2PA_TRUST_ANCHORS")
C2PA_SIGNER = env_str("C2PA_SIGNER", "assets.credentials.config.LocalKeySigner")
C2PA_DEV_DIR = VAR_DIR / "c2pa"
C2PA_DEV_DEFAULTS = DEBUG
C2PA_ALLOW_DEV_CERTIFICATE = env_bool("C2PA_ALLOW_DEV_CERTIFICATE", default=DEBUG)

# --- Licensing ------------------------------------------------------------------------------------
RIGHTS_EXPIRY_WARNING_DAYS = env_int("RIGHTS_EXPIRY_WARNING_DAYS", 30)

# --- Editing --------------------------------------------------------------------------------------
EDITING_PIPELINE_CACHE_SIZE = env_int("EDITING_PIPELINE_CACHE_SIZE", 2)
EDITING_USE_CUDA = env_bool("EDITING_USE_CUDA", default=True)
EDITING_MAX_PROMPT_CHARS = env_int("EDITING_MAX_PROMPT_CHARS", 500)
EDITING_MAX_SIDE = env_int("EDITING_MAX_SIDE", 1024)
EDITING_PROGRESS_INTERVAL_SECONDS = float(env_str("EDITING_PROGRESS_INTERVAL_SECONDS", "0.5"))
# Registering a model by path reads only below these folders.
EDITING_MODEL_ROOTS = [Path(p).resolve() for p in env_list("EDITING_MODEL_ROOTS")] + [
    VAR_DIR / "models"
]
EDITING_JOB_SOFT_TIME_LIMIT = env_int("EDITING_JOB_SOFT_TIME_LIMIT", 3600)
EDITING_JOB_TIME_LIMIT = env_int("EDITING_JOB_TIME_LIMIT", 3900)
# A running job or training holds a lease its worker renews every third of this; a lease that runs
# out (the worker was killed, its node lost) makes the run *orphaned* and queues it again, up to
# EDITING_MAX_ATTEMPTS starts in all, then it fails with that reason. The sweep runs every
# EDITING_LEASE_SWEEP_SECONDS (read in ``studio/beat.py``).
EDITING_LEASE_SECONDS = env_int("EDITING_LEASE_SECONDS", 90)
EDITING_MAX_ATTEMPTS = env_int("EDITING_MAX_ATTEMPTS", 3)

# --- Webhooks -------------------------------------------------------------------------------------
# Receivers get signed POSTs (studio/webhooks/signing.py). Private, loopback, link-local and other
# non-public addresses are refused unless the host is listed here (comma-separated host names).
WEBHOOK_ALLOWED_HOSTS = [host.lower() for host in env_list("WEBHOOK_ALLOWED_HOSTS")]
# For a receiver on this machine in development; production lists such a host by name instead.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
if WEBHOOK_ALLOW_LOOPBACK and not DEBUG:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_LOOPBACK is for development; use WEBHOOK_ALLOWED_HOSTS."
    )
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6)
# Retry n waits base * 2**(n-1) seconds: 1, 2, 4, 8, 16 minutes with the default.
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60)
WEBHOOK_DISABLE_AFTER_FAILURES = env_int("WEBHOOK_DISABLE_AFTER_FAILURES", 10)

# --- Auth and security ----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "studio.auth.ProductionRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP inside the network; a redirect would read as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Dates and times on every page in ISO order, to the second (studio/formats/en/formats.py).
FORMAT_MODULE_PATH = ["studio.formats"]

# Request bodies: JSON and form bodies are read into memory and capped; file uploads stream to disk.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "studio.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["studio.api.permissions.ProductionScoped"],
    # JSON everywhere; multipart only on the endpoints that take files (they say so themselves).
    "DEFAULT_PARSER_CLASSES": ["studio.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "studio.api.renderers.ClearcutJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "studio.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["studio.api.filters.BoundedFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "studio.api.schema.ClearcutAutoSchema",
    "EXCEPTION_HANDLER": "studio.api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clearcut API",
    "DESCRIPTION": "Footage, rights, consents, gated AI edits and their provenance.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The docs pages load Swagger UI and ReDoc from our own static files: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
    # Integrations authenticate with bearer tokens; the admin's own calls keep the session, which
    # is left out of the documented schemes so "Authorize" offers the token only.
    "AUTHENTICATION_WHITELIST": ["studio.api.authentication.ApiTokenAuthentication"],
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "assets.choices.AssetStatus",
        "LicenseStatusEnum": "licensing.choices.LicenseStatus",
        "ClearanceStatusEnum": "licensing.choices.ClearanceStatus",
        "ConsentScopeEnum": "licensing.choices.ConsentScope",
        "ModelStatusEnum": "editing.choices.ModelStatus",
        "AdapterStatusEnum": "editing.choices.AdapterStatus",
        "JobStatusEnum": "editing.choices.JobStatus",
        "WebhookEventEnum": "studio.webhooks.choices.WebhookEvent",
        "WebhookDeliveryStatusEnum": "studio.webhooks.choices.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "studio.api.schema.problem_responses",
    ],
}
API_TOKEN_DEFAULT_LIFETIME_DAYS = env_int("API_TOKEN_DEFAULT_LIFETIME_DAYS", 90)
# List pages kept in each web process until the data they show changes (studio.api.page_cache);
# 0 keeps none.
API_PAGE_CACHE_BYTES = env_int("API_PAGE_CACHE_BYTES", 32 * 1024 * 1024)

# --- Celery ---------------------------------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", required=not DEBUG) or "filesystem://"


def _default_result_backend(broker: str) -> str:
    """Results (rarely needed: tasks report through the database) go where the broker already is."""
    if broker.startswith(("redis://", "rediss://")):
        return broker
    if broker.startswith(("amqp://", "amqps://")):
        return "rpc://"
    return f"file://{CELERY_QUEUE_DIR / 'results'}"


CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or _default_result_backend(
    CELERY_BROKER_URL
)
if CELERY_BROKER_URL == "filesystem://":
    for _sub in ("queue", "processed", "results", "control"):
        (CELERY_QUEUE_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_QUEUE_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_QUEUE_DIR / "control"),
    }
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
# With late acks a message stays the broker's until its task ends, so the broker must wait longer
# than the longest task may run (its hard limit) before it gives the message to another worker.
_LONGEST_TASK_SECONDS = max(EDITING_JOB_TIME_LIMIT, CELERY_TASK_TIME_LIMIT) + env_int(
    "CELERY_VISIBILITY_MARGIN", 300
)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands an unacknowledged message to another worker after the visibility timeout.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _LONGEST_TASK_SECONDS}
if CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://")):
    # RabbitMQ: a publish returns once the broker has the message (the outbox marks it sent only
    # then); queues are durable and messages persistent (Celery's default), and a consumer holding
    # an unacknowledged message longer than its consumer timeout (30 min by default) is closed, so
    # each worker asks for one above the longest task (x-consumer-timeout, RabbitMQ 3.12 and later).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
    CELERY_TASK_QUEUES = queue_declarations(consumer_timeout_ms=_LONGEST_TASK_SECONDS * 1000)
else:
    CELERY_TASK_QUEUES = queue_declarations()
CELERY_TASK_DEFAULT_DELIVERY_MODE = "persistent"
CELERY_TASK_DEFAULT_QUEUE = Queue.DEFAULT.value
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
# Celery's Django fixup closes every database connection before and after each task (in a prefork
# child it also drops the connection pool), so each task would open a new PostgreSQL connection.
# With this it does so only every this many tasks; between tasks ``studio.celery`` closes only the
# connections Django's own rules retire (CONN_MAX_AGE, health checks, a pooled connection goes back
# to its pool), as after a web request.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

# --- Cache and health -----------------------------------------------------------------------------
# Shared by the web and worker processes (the worker heartbeat that /readyz reads lives here): Redis
# when CACHE_URL or a Redis broker names one, files under var/ on a single machine otherwise.
CACHE_URL = env_str("CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None
)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "clearcut",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
# /readyz reports the workers stale when no heartbeat (beat → default worker, every minute) is newer.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 180)
HEALTH_CHECK_TIMEOUT_SECONDS = env_int("HEALTH_CHECK_TIMEOUT_SECONDS", 2)

# The outbox (``studio/outbox.py``): every queued task is a row first, sent after commit; the
# dispatcher (beat, every ``OUTBOX_DISPATCH_INTERVAL_SECONDS``, read in ``studio/beat.py``) sends
# what is still pending, with backoff, and gives a row up after ``OUTBOX_MAX_ATTEMPTS``.
OUTBOX_BATCH_SIZE = env_int("OUTBOX_BATCH_SIZE", 100)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 12)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 10)
OUTBOX_RETRY_MAX_SECONDS = env_int("OUTBOX_RETRY_MAX_SECONDS", 3600)
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7)
# A sent message no worker has begun this long after it was due is sent again (the broker may have
# lost it); the wait doubles with each resend, up to OUTBOX_MAX_RESENDS. Keep it above the usual
# wait in the gpu queue: a resend of a message that was only waiting is harmless, but adds a copy.
OUTBOX_RESEND_AFTER_SECONDS = env_int("OUTBOX_RESEND_AFTER_SECONDS", 900)
OUTBOX_MAX_RESENDS = env_int("OUTBOX_MAX_RESENDS", 6)

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clearcut@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line names the request or task it belongs to: a failed page shows the same reference.
    "filters": {"correlation": {"()": "studio.correlation.CorrelationIdFilter"}},
    "formatters": {
        "plain": {"format": "%(levelname)s %(name)s correlation_id=%(correlation_id)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["correlation"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
