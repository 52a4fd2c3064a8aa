"""Studio-wide Celery tasks."""

import os
import socket

from celery import shared_task


@shared_task(name="studio.ping", ignore_result=False)
def ping(nonce: str) -> dict:
    """Answers with the nonce and the worker's identity: proof that a real worker consumed the broker."""
    return {"nonce": nonce, "pid": os.getpid(), "host": socket.gethostname()}
