"""Operations with no model: deterministic image processing, needing ``edit`` rights, not ``ai_edit``."""

from __future__ import annotations

import numpy as np
from django.core.exceptions import ValidationError
from PIL import Image, ImageFilter

from assets.credentials.manifest import ALGORITHMIC
from editing.operations.base import Operation, number


class Regrain(Operation):
    """Film-grain synthesis: seeded Gaussian grain, stronger in the mid-tones, softened to a grain size."""

    name = "regrain"
    label = "Regrain (classical film-grain synthesis)"
    rights_action = "edit"
    consent_scopes = ()
    c2pa_action = "c2pa.filtered"
    digital_source_type = ALGORITHMIC  # no trained model: never "trained algorithmic media"

    def defaults(self) -> dict:
        return {"amount": 0.08, "size": 1.2}

    def check(self, params):
        number(params, "amount", 0.0, 0.5)
        number(params, "size", 0.5, 4.0)

    def edit(self, image, mask, ctx):
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        rng = np.random.default_rng(ctx.seed)
        noise = rng.normal(0.0, 1.0, rgb.shape[:2]).astype(np.float32)
        blurred = Image.fromarray(((noise * 40) + 128).clip(0, 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(radius=max(0.0, ctx.params["size"] - 0.5))
        )
        grain = (np.asarray(blurred, dtype=np.float32) - 128) / 40
        luma = rgb.mean(axis=2, keepdims=True)
        weight = 4 * luma * (1 - luma)  # grain shows most in the mid-tones, as on film
        out = rgb + ctx.params["amount"] * weight * grain[..., None]
        ctx.on_step(1.0)
        return Image.fromarray((out.clip(0, 1) * 255).round().astype(np.uint8))


class Upscale(Operation):
    """Upscaling by a classical resampler (Lanczos), not a model: said so in the credentials."""

    name = "upscale"
    label = "Upscale (classical Lanczos resampling, no model)"
    rights_action = "edit"
    consent_scopes = ()
    c2pa_action = "c2pa.resized"
    digital_source_type = ALGORITHMIC  # no trained model: never "trained algorithmic media"

    def defaults(self) -> dict:
        return {"factor": 2}

    def check(self, params):
        if params["factor"] not in (2, 3, 4):
            raise ValidationError({"parameters.factor": "Must be 2, 3 or 4."})

    def edit(self, image, mask, ctx):
        factor = int(ctx.params["factor"])
        ctx.on_step(1.0)
        return image.resize((image.width * factor, image.height * factor), Image.Resampling.LANCZOS)
