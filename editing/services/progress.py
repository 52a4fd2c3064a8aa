"""Progress, cancellation and a lost lease for a running job: throttled writes, throttled reads."""

from __future__ import annotations

import time

from django.conf import settings

from editing.operations import JobCancelled


class Progress:
    def __init__(self, model, pk: int, lease=None):
        self.model, self.pk, self.lease = model, pk, lease
        self.interval = settings.EDITING_PROGRESS_INTERVAL_SECONDS
        self._written_at = self._checked_at = 0.0
        self._percent = -1

    def report(self, stage: str, fraction: float, *, force: bool = False) -> None:
        percent = max(0, min(100, int(fraction * 100)))
        now = time.monotonic()
        if force or (percent != self._percent and now - self._written_at >= self.interval):
            self.model.objects.filter(pk=self.pk).update(
                progress_stage=stage, progress_percent=percent
            )
            self._written_at, self._percent = now, percent

    def check_cancel(self) -> None:
        """Raise ``JobCancelled`` once someone asked to cancel, ``LeaseLost`` once another worker
        holds the run (the lease keeper's flag: no query)."""
        if self.lease is not None:
            self.lease.check()
        now = time.monotonic()
        if now - self._checked_at < self.interval:
            return
        self._checked_at = now
        if self.model.objects.filter(pk=self.pk, cancel_requested=True).exists():
            raise JobCancelled()
