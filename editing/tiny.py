"""A tiny, randomly initialised diffusers pipeline, built from configs offline.

Same architecture family as Stable Diffusion (UNet2DCondition, AutoencoderKL, CLIP text encoder),
sized to run in well under a second on a CPU. Tests and the demo register it like any real model.
"""

from __future__ import annotations

from pathlib import Path

from editing.pipelines import quiet_progress_bars

TOKENS = ["<|startoftext|>", "<|endoftext|>"]
WORDS = (
    "a the of and with in on film shot scene clean background sky street night day warm cool light "
    "lighting golden hour blue soft hard rim studio grain style house noir remove object boom mic "
    "actor person city forest beach interior exterior moody bright dark sunset dawn rain fog"
).split()


def _tokenizer():
    """A byte-level BPE vocabulary small enough to build in memory (model_max_length is required).

    Letters and digits are single tokens; the words above merge into one token each.
    """
    from transformers import CLIPTokenizer  # transformers loads torch: never in web processes

    vocab = {token: index for index, token in enumerate(TOKENS)}
    for symbol in [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789.,!?'-"):
        vocab.setdefault(symbol, len(vocab))
        vocab.setdefault(symbol + "</w>", len(vocab))
    merges = []
    for word in WORDS:
        pieces = list(word[:-1]) + [word[-1] + "</w>"]
        while len(pieces) > 1:
            merges.append((pieces[0], pieces[1]))
            vocab.setdefault(pieces[0] + pieces[1], len(vocab))
            pieces = [pieces[0] + pieces[1], *pieces[2:]]
    tokenizer = CLIPTokenizer(
        vocab=vocab,
        merges=list(dict.fromkeys(merges)),
        model_max_length=77,
        bos_token=TOKENS[0],
        eos_token=TOKENS[1],
        pad_token=TOKENS[1],
        unk_token=TOKENS[1],
    )
    return tokenizer, len(vocab)


def build_tiny_pipeline(task: str, folder: Path, *, seed: int = 0):
    """Build and save a tiny pipeline for ``task`` (inpaint or img2img) in diffusers format."""
    # torch, diffusers, transformers and peft load only in GPU workers, never in web processes
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionImg2ImgPipeline,
        StableDiffusionInpaintPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    quiet_progress_bars()
    torch.manual_seed(seed)
    tokenizer, vocab_size = _tokenizer()
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=9 if task == "inpaint" else 4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
    )
    vae = AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            hidden_size=32,
            intermediate_size=37,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=2,
            pad_token_id=1,
            vocab_size=max(1000, vocab_size),
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    cls = StableDiffusionInpaintPipeline if task == "inpaint" else StableDiffusionImg2ImgPipeline
    pipeline = cls(
        unet=unet,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(folder, safe_serialization=True)
    return pipeline
