"""Training a LoRA adapter on frames of a production's footage (diffusers + peft).

The standard denoising objective: encode a frame, add noise at a random timestep, and teach the
adapted UNet to predict that noise given the caption. Seeded, so a run can be repeated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image

from editing.pipelines import quiet_progress_bars

WEIGHTS_NAME = "pytorch_lora_weights.safetensors"


def sample_frames(path: Path, kind: str, per_clip: int, rng: random.Random) -> list[Image.Image]:
    """Stills as they are; clips as ``per_clip`` frames spread over their length."""
    if kind == "image":
        with Image.open(path) as image:
            return [image.convert("RGB")]
    with av.open(str(path)) as container:
        frames = [frame.to_image() for frame in container.decode(video=0)]
    if len(frames) <= per_clip:
        return frames
    step = len(frames) / per_clip
    return [
        frames[min(len(frames) - 1, int(i * step + rng.random() * step))] for i in range(per_clip)
    ]


def _tensor(images: list[Image.Image], resolution: int):
    import torch  # only GPU workers load torch; web processes and the API never do

    arrays = [
        np.asarray(i.convert("RGB").resize((resolution, resolution), Image.Resampling.BICUBIC))
        for i in images
    ]
    batch = torch.from_numpy(np.stack(arrays)).float().permute(0, 3, 1, 2)
    return batch / 127.5 - 1.0


def train_lora(
    *,
    model_location: str,
    frames: list[Image.Image],
    caption: str,
    target: Path,
    rank: int,
    steps: int,
    learning_rate: float,
    resolution: int,
    batch_size: int,
    seed: int,
    on_step: Callable[[int, float], None],
) -> dict:
    """Train and save LoRA weights (with their adapter metadata, so lora_alpha survives loading)."""
    # torch, diffusers, transformers and peft load only in GPU workers, never in web processes
    import torch
    from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionPipeline
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    quiet_progress_bars()
    torch.manual_seed(seed)
    pipeline = StableDiffusionImg2ImgPipeline.from_pretrained(
        model_location, safety_checker=None, requires_safety_checker=False
    )
    unet, vae, text_encoder = pipeline.unet, pipeline.vae, pipeline.text_encoder
    for module in (unet, vae, text_encoder):
        module.requires_grad_(False)
    config = LoraConfig(
        r=rank,
        lora_alpha=rank,
        init_lora_weights="gaussian",
        target_modules=["to_k", "to_q", "to_v", "to_out.0"],
    )
    unet.add_adapter(config)
    trainable = [p for p in unet.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate)
    with torch.no_grad():
        tokens = pipeline.tokenizer(
            caption,
            padding="max_length",
            max_length=pipeline.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        )
        context = text_encoder(tokens.input_ids)[0]
        latents_all = (
            vae.encode(_tensor(frames, resolution)).latent_dist.mode() * vae.config.scaling_factor
        )
    generator = torch.Generator().manual_seed(seed)
    losses = []
    unet.train()
    for step in range(steps):
        index = torch.randint(
            0, latents_all.shape[0], (min(batch_size, latents_all.shape[0]),), generator=generator
        )
        latents = latents_all[index]
        noise = torch.randn(latents.shape, generator=generator)
        timesteps = torch.randint(
            0,
            pipeline.scheduler.config.num_train_timesteps,
            (latents.shape[0],),
            generator=generator,
        )
        noisy = pipeline.scheduler.add_noise(latents, noise, timesteps)
        predicted = unet(
            noisy, timesteps, encoder_hidden_states=context.expand(latents.shape[0], -1, -1)
        ).sample
        loss = torch.nn.functional.mse_loss(predicted, noise)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.detach()))
        on_step(step + 1, losses[-1])
    target.mkdir(parents=True, exist_ok=True)
    StableDiffusionPipeline.save_lora_weights(
        target,
        unet_lora_layers=convert_state_dict_to_diffusers(get_peft_model_state_dict(unet)),
        safe_serialization=True,
        unet_lora_adapter_metadata=config.to_dict(),
    )
    return {
        "final_loss": losses[-1] if losses else None,
        "first_loss": losses[0] if losses else None,
    }
