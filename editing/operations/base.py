"""What every operation declares: the rights it needs, the model it runs on, its parameters."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from PIL import Image

from assets.credentials.manifest import COMPOSITE_AI


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
    # What the output's Content Credentials say was done: the C2PA action, and the IPTC digital
    # source type (a model's output composited into the footage, unless an operation says not).
    c2pa_action = "c2pa.edited"
    digital_source_type = COMPOSITE_AI
    edits_inside_mask = True  # False when the operation works outside the mask (a background)

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
