"""Loading diffusers pipelines: weights checked against their registered hash, cached per process.

The cache is keyed by the model's weights hash and the adapters' hashes and weights, bounded (LRU),
and lives in the worker process (never shared across a fork).
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".ckpt")


class WeightsMismatch(Exception):
    """The files on disk are not the weights that were registered."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def directory_weights_sha256(folder: Path) -> str:
    """One hash over every weight file of a diffusers directory (relative path and content)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
    if not files:
        raise WeightsMismatch(f"No weight files under {folder}.")
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(folder).as_posix()}\0{file_sha256(path)}\n".encode())
    return digest.hexdigest()


def quiet_progress_bars() -> None:
    """Loading bars belong on a terminal, not in worker logs."""
    # torch, diffusers, transformers and peft load only in GPU workers, never in web processes
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()


def device_and_dtype():
    import torch  # only GPU workers load torch; web processes and the API never do

    if torch.cuda.is_available() and settings.EDITING_USE_CUDA:
        return "cuda", torch.float16
    return "cpu", torch.float32


def _pipeline_class(task: str):
    from diffusers import (  # diffusers loads torch: GPU workers only, never web processes
        StableDiffusionImg2ImgPipeline,
        StableDiffusionInpaintPipeline,
    )

    return {"inpaint": StableDiffusionInpaintPipeline, "img2img": StableDiffusionImg2ImgPipeline}[
        task
    ]


def load_pipeline(model, adapters=()):
    """A ready pipeline for ``model`` with ``adapters`` ((Adapter, weight) pairs) applied."""
    location = Path(model.location)
    found = directory_weights_sha256(location)
    if found != model.weights_sha256:
        raise WeightsMismatch(
            f"The weights of {model} at {location} hash to {found[:16]}…, not the registered "
            f"{model.weights_sha256[:16]}…; refusing to run a model that is not the one registered."
        )
    quiet_progress_bars()
    device, dtype = device_and_dtype()
    pipeline = _pipeline_class(model.task).from_pretrained(
        location, dtype=dtype, safety_checker=None, requires_safety_checker=False
    )
    if len(pipeline.tokenizer) < 10:
        raise WeightsMismatch(
            f"The tokenizer of {model} is missing or empty ({len(pipeline.tokenizer)} tokens)."
        )
    pipeline.set_progress_bar_config(disable=True)
    if adapters:
        _apply_adapters(pipeline, adapters)
    return pipeline.to(device)


def _apply_adapters(pipeline, adapters) -> None:
    names, weights = [], []
    for adapter, weight in adapters:
        with tempfile.TemporaryDirectory(dir=settings.ASSET_SPOOL_DIR) as folder:
            target = Path(folder) / "pytorch_lora_weights.safetensors"
            with default_storage.open(adapter.weights_key, "rb") as src, target.open("wb") as dst:
                while chunk := src.read(1024 * 1024):
                    dst.write(chunk)
            if file_sha256(target) != adapter.weights_sha256:
                raise WeightsMismatch(
                    f"The weights of adapter {adapter} do not match their registered hash."
                )
            name = f"adapter_{adapter.pk}"
            pipeline.load_lora_weights(folder, weight_name=target.name, adapter_name=name)
        names.append(name)
        weights.append(weight)
    pipeline.set_adapters(names, adapter_weights=weights)


class PipelineCache:
    """Least-recently-used pipelines of this process, keyed by weights and adapter hashes."""

    def __init__(self, size: int):
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._loading = threading.Lock()

    @staticmethod
    def key(model, adapters) -> tuple:
        return (model.weights_sha256, tuple((a.weights_sha256, float(w)) for a, w in adapters))

    def get(self, model, adapters=()):
        key = self.key(model, adapters)
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return self._items[key]
        # One load at a time: loading is not thread-safe (weights are built on the meta device
        # first) and two threads asking for the same model should load it once.
        with self._loading:
            with self._lock:
                if key in self._items:
                    self.hits += 1
                    return self._items[key]
            pipeline = load_pipeline(model, adapters)
            # A pipeline's scheduler keeps per-run state: one run at a time on each pipeline.
            pipeline.clearcut_run_lock = threading.Lock()
            with self._lock:
                self.misses += 1
                self._items[key] = pipeline
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return pipeline

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


_cache: PipelineCache | None = None


def exclusive(pipeline):
    """Hold ``pipeline`` for one run (threads of one process share the cache); no-op without one."""
    return getattr(pipeline, "clearcut_run_lock", None) or contextlib.nullcontext()


def pipeline_cache() -> PipelineCache:
    global _cache
    if _cache is None:
        _cache = PipelineCache(settings.EDITING_PIPELINE_CACHE_SIZE)
    return _cache
