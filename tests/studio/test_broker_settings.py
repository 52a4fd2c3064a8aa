"""The broker is set up so that a running job's message is never handed to a second worker while
the first may still run it: Redis's visibility timeout and RabbitMQ's consumer timeout both outlast
the longest task's hard limit; RabbitMQ publishes are confirmed and its queues durable."""

import json

from tests.studio.test_settings import _settings

PROBE = """
import json, django
from django.conf import settings
django.setup()
from studio.celery import app
print(json.dumps({
    "transport": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "limits": [settings.EDITING_JOB_TIME_LIMIT, settings.CELERY_TASK_TIME_LIMIT],
    "queues": [
        [q.name, q.durable, q.consumer_arguments] for q in app.conf.task_queues
    ],
    "delivery_mode": app.conf.task_default_delivery_mode,
    "acks_late": app.conf.task_acks_late,
}))
"""
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 60,
    "ALLOWED_HOSTS": "clearcut.example",
    "DATABASE_URL": "postgres://app@db.internal:5432/clearcut",
    "EDITING_JOB_TIME_LIMIT": "7200",
}


def _broker(tmp_path, url: str) -> dict:
    result = _settings(tmp_path, PROBE, CELERY_BROKER_URL=url, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_redis_waits_longer_than_the_longest_task_before_redelivering(tmp_path):
    found = _broker(tmp_path, "redis://cache.internal:6379/2")

    assert found["transport"]["visibility_timeout"] > max(found["limits"]) == 7200
    assert [name for name, _, _ in found["queues"]] == ["default", "gpu"]
    assert all(durable for _, durable, _ in found["queues"])
    assert (found["delivery_mode"], found["acks_late"]) == ("persistent", True)


def test_rabbitmq_confirms_publishes_and_outlasts_the_longest_task(tmp_path):
    found = _broker(tmp_path, "amqp://clearcut@rabbit.internal:5672/clearcut")

    assert found["transport"] == {"confirm_publish": True}
    for name, durable, arguments in found["queues"]:
        assert durable, name
        assert arguments["x-consumer-timeout"] > max(found["limits"]) * 1000
    assert (found["delivery_mode"], found["acks_late"]) == ("persistent", True)
