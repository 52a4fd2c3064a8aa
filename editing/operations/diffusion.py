"""Operations that run a diffusers pipeline: inpainting and image-to-image."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

from editing.choices import ModelTask
from editing.operations.base import FrameContext, Operation, number


def _size(image: Image.Image, max_side: int) -> tuple[int, int]:
    """The working size: the model's own scale at most, in multiples of 8 (what its VAE needs)."""
    scale = min(1.0, max_side / max(image.width, image.height))
    return max(8, int(image.width * scale) // 8 * 8), max(8, int(image.height * scale) // 8 * 8)


def _callback(ctx: FrameContext, steps: int):
    def on_step_end(pipeline, step, timestep, callback_kwargs):
        ctx.on_step((step + 1) / max(1, steps))
        return callback_kwargs

    return on_step_end


def _generator(ctx: FrameContext):
    import torch  # only GPU workers load torch; web processes and the API never do

    device = getattr(ctx.pipeline, "device", "cpu")
    return torch.Generator(device=str(device)).manual_seed(ctx.seed)


class _Inpaint(Operation):
    task = ModelTask.INPAINT
    needs_mask = True

    def defaults(self) -> dict:
        return {"steps": 20, "guidance_scale": 7.5}

    def check(self, params: dict) -> None:
        number(params, "steps", 1, 150)
        number(params, "guidance_scale", 0, 30)

    def region(self, mask: Image.Image) -> Image.Image:
        return mask

    def edit(self, image, mask, ctx):
        region = self.region(mask.convert("L"))
        width, height = _size(image, ctx.max_side)
        steps = int(ctx.params["steps"])
        generated = (
            ctx.pipeline(
                prompt=ctx.prompt,
                negative_prompt=ctx.negative_prompt or None,
                image=image.resize((width, height)),
                mask_image=region.resize((width, height)),
                height=height,
                width=width,
                num_inference_steps=steps,
                guidance_scale=ctx.params["guidance_scale"],
                generator=_generator(ctx),
                callback_on_step_end=_callback(ctx, steps),
            )
            .images[0]
            .resize(image.size)
        )
        # Inpainting repaints everything a little; only the masked region may change.
        return Image.composite(
            generated, image.convert("RGB"), region.point(lambda v: 255 if v >= 128 else 0)
        )


class RemoveObject(_Inpaint):
    name = "remove_object"
    label = "Remove an object (inpaint inside the mask)"


class ReplaceBackground(_Inpaint):
    name = "replace_background"
    label = "Replace the background (inpaint outside the subject mask)"
    needs_prompt = True
    edits_inside_mask = False

    def region(self, mask):
        return ImageOps.invert(mask)


class _ImageToImage(Operation):
    task = ModelTask.IMG2IMG
    default_strength = 0.5
    max_strength = 1.0

    def defaults(self) -> dict:
        return {"steps": 20, "guidance_scale": 7.5, "strength": self.default_strength}

    def check(self, params: dict) -> None:
        number(params, "steps", 1, 150)
        number(params, "guidance_scale", 0, 30)
        strength = number(params, "strength", 0.01, self.max_strength)
        steps = int(params["steps"])
        if int(steps * strength) < 1:
            raise ValidationError(
                {
                    "parameters.steps": f"{steps} steps at strength {strength} leave no denoising step; "
                    f"use at least {math.ceil(1 / strength)}."
                }
            )

    def edit(self, image, mask, ctx):
        width, height = _size(image, ctx.max_side)
        steps = int(ctx.params["steps"])
        effective = max(1, int(steps * ctx.params["strength"]))
        return (
            ctx.pipeline(
                prompt=ctx.prompt,
                negative_prompt=ctx.negative_prompt or None,
                image=image.convert("RGB").resize((width, height)),
                strength=ctx.params["strength"],
                num_inference_steps=steps,
                guidance_scale=ctx.params["guidance_scale"],
                generator=_generator(ctx),
                callback_on_step_end=_callback(ctx, effective),
            )
            .images[0]
            .resize(image.size)
        )


class Restyle(_ImageToImage):
    name = "restyle"
    label = "Restyle (image to image, with the production's adapters)"


class Relight(_ImageToImage):
    name = "relight"
    label = "Relight (image to image guided by a lighting prompt, low strength)"
    needs_prompt = True
    default_strength = 0.25
    max_strength = 0.4
