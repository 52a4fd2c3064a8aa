"""What every operation declares: the rights it needs, the model it runs on, its parameters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from PIL import Image


class JobCancelled(Exception):
    """The job was cancelled while it ran; raised between steps."""


@dataclass
class FrameContext:
    """What an operation gets for each frame it edits."""

    prompt: str
    negative_prompt: str
    params: dict
    seed: int
    pipeline: object | None = None
    max_side: int = 512
    on_step: Callable[[float], None] = field(default=lambda fraction: None)


class Operation(ABC):
    name = ""
    label = ""
    rights_action = "ai_edit"
    consent_scopes: tuple[str, ...] = ("digital_alteration",)
    task: str | None = None  # the model task it runs on (inpaint, img2img), None for classical ones
    needs_mask = False
    needs_prompt = False

    def clean_params(self, params: dict) -> dict:
        """Check and complete the parameters; unknown ones are refused."""
        allowed = self.defaults()
        unknown = sorted(set(params) - set(allowed) - {"frame_start", "frame_end"})
        if unknown:
            raise ValidationError(
                {"parameters": f"Unknown parameter(s) for {self.name}: {', '.join(unknown)}."}
            )
        cleaned = {**allowed, **params}
        self.check(cleaned)
        return cleaned

    def defaults(self) -> dict:
        return {}

    def check(self, params: dict) -> None:  # noqa: B027  (operations without parameters check nothing)
        """Raise ValidationError for values out of range."""

    @abstractmethod
    def edit(self, image: Image.Image, mask: Image.Image | None, ctx: FrameContext) -> Image.Image:
        """The edited frame, the same size as ``image`` unless the operation changes size."""


def number(params: dict, name: str, low: float, high: float) -> float:
    value = params.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValidationError({f"parameters.{name}": "Must be a number."})
    if not low <= value <= high:
        raise ValidationError({f"parameters.{name}": f"Must be between {low} and {high}."})
    return float(value)
