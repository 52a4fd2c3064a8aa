"""Every periodic task of Clearcut, in one place (Celery beat reads ``BEAT_SCHEDULE``)."""

from celery.schedules import crontab

from studio.env import env_int

# Read here, not in settings: the Celery app imports this module before Django's settings load.
OUTBOX_DISPATCH_INTERVAL_SECONDS = env_int("OUTBOX_DISPATCH_INTERVAL_SECONDS", 10)
AUDIT_CHECKPOINT_INTERVAL_SECONDS = env_int("AUDIT_CHECKPOINT_INTERVAL_SECONDS", 300)
EDITING_LEASE_SWEEP_SECONDS = env_int("EDITING_LEASE_SWEEP_SECONDS", 30)

BEAT_SCHEDULE = {
    "licensing-expiry-sweep": {
        "task": "licensing.expiry_sweep",
        "schedule": crontab(hour=6, minute=0),
    },
    "assets-clean-spool": {
        "task": "assets.clean_spool",
        "schedule": crontab(minute=17),
    },
    # /readyz reads this heartbeat; a beat that stops or a default queue nobody consumes shows there.
    "studio-worker-heartbeat": {
        "task": "studio.worker_heartbeat",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The asset lists' revisions read their uncounted change rows; fold them in so that stays short.
    "assets-compact-list-changes": {
        "task": "assets.compact_list_changes",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "studio-dispatch-outbox": {
        "task": "studio.dispatch_outbox",
        "schedule": OUTBOX_DISPATCH_INTERVAL_SECONDS,
        # A run nobody picked up before the next one is due is dropped, not piled up.
        "options": {"expires": OUTBOX_DISPATCH_INTERVAL_SECONDS},
    },
    # Signed chain heads off the database: a tail rewritten since then is found by
    # `audit_verify --checkpoints`.
    "studio-audit-checkpoint": {
        "task": "studio.audit_checkpoint",
        "schedule": AUDIT_CHECKPOINT_INTERVAL_SECONDS,
        "options": {"expires": AUDIT_CHECKPOINT_INTERVAL_SECONDS},
    },
    # Running edits and trainings whose worker stopped renewing its lease: queued again or failed.
    "editing-expire-leases": {
        "task": "editing.expire_leases",
        "schedule": EDITING_LEASE_SWEEP_SECONDS,
        "options": {"expires": EDITING_LEASE_SWEEP_SECONDS},
    },
}
