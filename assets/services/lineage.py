"""Lineage edges between outputs and what they were made from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from assets.models import Derivation
from studio.audit import audit_record
from studio.choices import ScopeAction

if TYPE_CHECKING:
    from studio.actors import Actor
    from studio.models import Production
from studio.scoping import require_production_access


def derivation_record(
    *,
    actor: Actor,
    production: Production,
    output: tuple[str, int],
    inputs: list[tuple[str, int, str]],
    activity: tuple[str, int | None],
) -> list[Derivation]:
    """Record that ``output`` was made from ``inputs`` (type, id, role) by ``activity``; idempotent."""
    require_production_access(actor, production, ScopeAction.CHANGE)
    edges = [
        Derivation(
            production=production,
            output_type=output[0],
            output_id=output[1],
            input_type=input_type,
            input_id=input_id,
            role=role,
            activity_type=activity[0],
            activity_id=activity[1],
        )
        for input_type, input_id, role in inputs
    ]
    with transaction.atomic():
        Derivation.objects.bulk_create(edges, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="assets.lineage.recorded",
            production=production,
            target_type=output[0],
            target_id=str(output[1]),
            after={"inputs": [list(i) for i in inputs], "activity": list(activity)},
        )
    return edges
