"""Queue latency: an edit job from queued (its row says so, inside the submitting transaction) to
started (claimed by a real worker), vs a no-op Celery round trip (send → result) on the same
broker, one of each in turn; goal: p50 ≤ 2× the no-op. Then where the time goes from the submit call
to the moment the operation begins: gate at submit, commit and outbox publish, broker → worker,
claim under the row lock (which marks the outbox row started), gate re-check, render set-up with
the pipeline cache lookup."""

import statistics
import tempfile
import time
from pathlib import Path

from django.conf import settings

from bench.edit import _world, ping_once, settle, submit_and_wait
from bench.harness import print_table, start_worker
from bench.queue_worker import KEY

RUNS = 30
GOAL = 2.0
STEPS = [
    ("gate at submit, record", "submitted", "queued"),
    ("commit, outbox row taken to send", "queued", "published"),
    ("publish, broker → worker task", "published", "received"),
    ("task set-up", "received", "claiming"),
    ("load job, row lock, claim, outbox row marked started", "claiming", "claimed"),
    ("gate re-check", "claimed", "gate_checked"),
    ("render set-up (inputs, pipeline cache, local copy)", "gate_checked", "working"),
]


def _one_job(redis, user, production, still, seed: int) -> dict[str, float]:
    from studio.models import OutboxMessage

    submitted = time.time()
    job = submit_and_wait(user, production, still, seed, poll=0.005)
    message = OutboxMessage.objects.filter(
        task_name="editing.gpu.run_edit_job", args=[job.pk]
    ).get()
    deadline = time.monotonic() + 30  # the worker writes its stamps once the task has returned
    while not (raw := redis.hgetall(KEY.format(job.pk))) and time.monotonic() < deadline:
        time.sleep(0.005)
    stamps = {k.decode(): float(v) for k, v in raw.items()}
    return stamps | {
        "submitted": submitted,
        "queued": job.queued_at.timestamp(),
        "published": message.sent_at.timestamp(),
        "started_at": job.started_at.timestamp(),
    }


def _pings_and_jobs(runs: int, folder: Path) -> tuple[list[float], list[dict[str, float]]]:
    """A no-op round trip, then an edit job, ``runs`` times: both meet the machine as it is then
    (its speed drifts by a third over minutes here), each sent to an idle worker (a pause lets it
    finish the one before: acknowledging, closing its connection). The first of each warms it."""
    import redis as redis_client

    redis = redis_client.Redis.from_url(settings.CELERY_BROKER_URL)
    for key in redis.scan_iter(KEY.format("*")):  # a former run's, whose job ids this run reuses
        redis.delete(key)
    user, production, still = _world(folder)
    ping_once()
    _one_job(redis, user, production, still, 0)
    pings, jobs = [], []
    for seed in range(1, runs + 1):
        settle()
        pings.append(ping_once())
        settle()
        jobs.append(_one_job(redis, user, production, still, seed))
    return pings, jobs


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def run(*, scale: float = 1.0) -> None:
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        print("Queue latency: needs a Redis broker (CELERY_BROKER_URL=redis://…); not run.")
        return
    runs = max(5, int(RUNS * scale))
    settings.DEBUG = False  # submitting as the web process does: no query log
    worker = start_worker("bench.queue_worker")
    try:
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR) as folder:
            pings, jobs = _pings_and_jobs(runs, Path(folder))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    ping = statistics.median(pings)
    total = statistics.median(j["working"] - j["submitted"] for j in jobs)
    started = statistics.median(j["started_at"] - j["queued"] for j in jobs)
    rows = [[label, _ms(statistics.median(j[b] - j[a] for j in jobs)), ""] for label, a, b in STEPS]
    rows += [
        ["submit → operation begins (sum of the above)", _ms(total), f"{total / ping:.2f}×"],
        ["queued → started (queued_at → started_at)", _ms(started), f"{started / ping:.2f}×"],
        ["no-op task: send → result (baseline)", _ms(ping), "1.00×"],
        ["goal: queued → started", "", f"≤ {GOAL:.0f}×"],
    ]
    print_table(
        f"Queue latency over Redis, {runs} edit jobs (regrain, one worker), medians per step",
        ["step", "p50", "vs no-op"],
        rows,
    )
