"""Studio-wide Celery tasks."""

import os
import socket

from celery import shared_task

from studio.audit_checkpoints import audit_checkpoint_write
from studio.health import worker_heartbeat_record
from studio.outbox import outbox_dispatch, outbox_prune


@shared_task(name="studio.ping", ignore_result=False)
def ping(nonce: str) -> dict:
    """Answers with the nonce and the worker's identity: proof that a real worker consumed the broker."""
    return {"nonce": nonce, "pid": os.getpid(), "host": socket.gethostname()}


@shared_task(name="studio.worker_heartbeat", soft_time_limit=10, time_limit=20)
def worker_heartbeat() -> None:
    """Records that a default-queue worker is consuming (beat sends this every minute)."""
    worker_heartbeat_record()


@shared_task(name="studio.dispatch_outbox")
def dispatch_outbox() -> dict:
    """Send the outbox rows still pending, and prune the old sent ones."""
    outcomes = outbox_dispatch()
    return {**{str(k): v for k, v in outcomes.items()}, "pruned": outbox_prune()}


@shared_task(name="studio.audit_checkpoint", soft_time_limit=60, time_limit=90)
def audit_checkpoint() -> str | None:
    """Write a signed checkpoint of the audit chain heads that moved (beat sends this)."""
    return audit_checkpoint_write()
