"""The operations Clearcut can run, by name."""

from django.core.exceptions import ValidationError

from editing.operations.base import FrameContext, JobCancelled, Operation
from editing.operations.classical import Regrain, Upscale
from editing.operations.diffusion import Relight, RemoveObject, ReplaceBackground, Restyle

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (RemoveObject(), ReplaceBackground(), Restyle(), Relight(), Upscale(), Regrain())
}


def get_operation(name: str) -> Operation:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise ValidationError(
            {
                "operation": f"Unknown operation {name!r}; use one of {', '.join(sorted(OPERATIONS))}."
            }
        ) from None


__all__ = ["OPERATIONS", "FrameContext", "JobCancelled", "Operation", "get_operation"]
