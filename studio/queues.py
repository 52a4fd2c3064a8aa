"""The Celery queues, named once: CPU work on ``default``, model inference and training on ``gpu``."""

from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    GPU = "gpu"


# Routing by task name: GPU work is named ``<app>.gpu.<task>``; everything else runs on ``default``.
TASK_ROUTES = {
    "*.gpu.*": {"queue": Queue.GPU.value},
    "*": {"queue": Queue.DEFAULT.value},
}
