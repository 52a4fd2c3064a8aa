"""The scripted end-to-end scenario behind ``make demo`` (and run by the test suite).

Each capability adds a step (``demo.steps``); every step is idempotent, so the demo can be run again
on the same data.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from demo.context import DemoContext
from demo.steps.access import step_admin, step_production, step_token
from demo.steps.checks import step_audit, step_worker
from demo.steps.credentials import step_credentials
from demo.steps.edits import step_editing
from demo.steps.footage import step_ingest, step_mam_poll, step_mam_poll_again, step_people
from demo.steps.operations import step_desk, step_operations
from demo.steps.revocation import step_revocation
from demo.steps.rights import step_consents, step_cut_check, step_decisions, step_licenses

STEPS: list[Callable[[DemoContext], None]] = [
    step_admin,
    step_production,
    step_token,
    step_ingest,
    step_people,
    step_mam_poll,
    step_licenses,
    step_consents,
    step_decisions,
    step_cut_check,
    step_credentials,
    step_editing,
    step_revocation,
    step_mam_poll_again,
    step_desk,
    step_operations,
    step_audit,
    step_worker,
]


def run_scenario(console: Console | None = None, *, ping_worker: bool = False) -> DemoContext:
    ctx = DemoContext(console=console or Console(), ping_worker=ping_worker)
    for step in STEPS:
        ctx.console.rule(step.__name__.removeprefix("step_").replace("_", " "))
        step(ctx)
    return ctx
