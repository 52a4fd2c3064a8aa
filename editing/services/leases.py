"""Leases on running work: a running edit job or training run is held by one worker at a time.

The worker that claims a run (``lifecycle.claim``) takes a lease of ``EDITING_LEASE_SECONDS`` and
renews it from a heartbeat thread (``LeaseKeeper``) while it works. A delivery of the same run
while the lease is live is dropped; a lease that runs out means its worker is gone (killed, its
node lost): ``orphans.leases_expire`` (beat) marks the run *orphaned* and queues it again.

Renewals are not audited (they are not decisions, and would flood the trail); taking a lease
(``*.started``), losing it (``*.orphaned``) and giving up (``*.failed``) are.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from editing.choices import JobStatus
from studio.exceptions import Conflict

log = logging.getLogger(__name__)


class LeaseLost(Conflict):
    """This worker no longer holds the run: another took it over, or it was orphaned or finished."""


def worker_id() -> str:
    """This process, as leases name it: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_length() -> timedelta:
    return timedelta(seconds=settings.EDITING_LEASE_SECONDS)


def holder_gone(worker: str) -> bool:
    """Whether the process that holds a lease is known to be dead: it ran on this host and its pid
    is gone (a prefork child killed mid-job, redelivered to its successor). Elsewhere we cannot
    tell, and the lease runs out instead."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's process
        return False
    return False


def lease_is_live(run, now: datetime) -> bool:
    """A running run whose lease has not run out and whose holder is not known to be dead."""
    return (
        run.status == JobStatus.RUNNING
        and run.lease_expires_at is not None
        and run.lease_expires_at > now
        and not holder_gone(run.worker)
    )


def lease_renew(*, model, pk: int, worker: str, now: datetime | None = None) -> datetime:
    """Extend the lease ``worker`` holds on a running run; refused (``LeaseLost``) to anyone else,
    or once the run is no longer running."""
    now = now or timezone.now()
    expires = now + lease_length()
    # updated_at too: the spool janitor keeps a running run's render folder while its row is fresh.
    renewed = model.objects.filter(pk=pk, status=JobStatus.RUNNING, worker=worker).update(
        lease_expires_at=expires, heartbeat_at=now, updated_at=now
    )
    if not renewed:
        raise LeaseLost(f"{model._meta.verbose_name} #{pk} is not running on {worker}.")
    return expires


class LeaseKeeper:
    """Renews a claimed run's lease from a thread while the worker works; ``lost`` is set when a
    renewal is refused, and the work checks it at every step (``Progress.check_cancel``)."""

    def __init__(self, model, pk: int, worker: str):
        self.model, self.pk, self.worker = model, pk, worker
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{pk}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"Run #{self.pk} was taken from {self.worker}.")

    def _run(self) -> None:
        interval = settings.EDITING_LEASE_SECONDS / 3
        try:
            while not self._stop.wait(interval):
                try:
                    lease_renew(model=self.model, pk=self.pk, worker=self.worker)
                except LeaseLost:
                    log.warning("Lost the lease on run #%s; stopping.", self.pk)
                    self.lost.set()
                    return
                except Exception:  # a database blip: the next beat tries again
                    log.exception("Could not renew the lease on run #%s.", self.pk)
        finally:
            connection.close()  # this thread's own connection
