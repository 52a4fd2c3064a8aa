"""Every periodic task of Clearcut, in one place (Celery beat reads ``BEAT_SCHEDULE``)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "licensing-expiry-sweep": {
        "task": "licensing.expiry_sweep",
        "schedule": crontab(hour=6, minute=0),
    },
}
