"""The worker of ``bench.queue``: the project's Celery app, plus the time of each step of an edit
job's start, kept in memory while the job runs and written to the broker's Redis (hash
``bench:queue:<job id>``) once it has finished, so the measurement adds no round trip to the path
it measures. Benchmark only."""

import functools
import time

from celery.signals import task_postrun, task_prerun, worker_process_init

from studio.celery import app

__all__ = ["app"]
KEY = "bench:queue:{}"
_state = {"redis": None, "job": None, "stamps": {}}


def _stamp(step: str) -> None:
    if _state["job"] is not None:
        _state["stamps"][step] = repr(time.time())


def _stamped(function, before: str | None = None, after: str | None = None):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if before:
            _stamp(before)
        result = function(*args, **kwargs)
        if after:
            _stamp(after)
        return result

    return wrapper


@worker_process_init.connect
def _instrument(**kwargs) -> None:
    """Wrap the steps of ``edit_job_execute`` in this worker process (after the fork)."""
    import redis
    from django.conf import settings

    from editing.services import execute  # Django is set up once the worker process starts

    _state["redis"] = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    execute._claim = _stamped(execute._claim, "claiming", "claimed")
    execute.gate_check = _stamped(execute.gate_check, after="gate_checked")
    execute._render = _stamped(execute._render, before="rendering")
    execute.edit_still = _stamped(execute.edit_still, before="working")
    execute.edit_clip = _stamped(execute.edit_clip, before="working")


@task_prerun.connect
def _received(task=None, args=None, **kwargs) -> None:
    is_edit = task is not None and task.name == "editing.gpu.run_edit_job"
    _state["job"] = args[0] if is_edit and args else None
    _state["stamps"] = {}
    _stamp("received")


@task_postrun.connect
def _written(**kwargs) -> None:
    if _state["job"] is not None and _state["stamps"]:
        _state["redis"].hset(KEY.format(_state["job"]), mapping=_state["stamps"])
    _state["job"], _state["stamps"] = None, {}
