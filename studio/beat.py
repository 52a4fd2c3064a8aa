"""Every periodic task of Clearcut, in one place (Celery beat reads ``BEAT_SCHEDULE``)."""

from celery.schedules import crontab

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
}
