"""Pipelines are loaded once per process and only if their weights are the registered ones; LoRA
training is gated, keeps a frozen ledger, and its adapter can be used (and is named) in an edit."""

import hashlib
import shutil

import pytest
import torch
from django.core.files.storage import default_storage
from rest_framework.test import APIClient
from safetensors.torch import save_file

from assets.models import Asset, Derivation
from editing.models import Adapter, TrainingRun
from editing.pipelines import pipeline_cache
from editing.services import model_register
from editing.services.registry import adapter_store_weights
from editing.services.training import training_run_execute, training_run_submit
from studio.actors import SystemActor
from studio.models.audit import canonical_json
from tests.editing.helpers import PROBLEM, SUBJECT, audit_rows, edges, stamped_lineage

TRAIN = {"steps": 2, "resolution": 32, "frames_per_clip": 2, "rank": 2, "batch_size": 2}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def train(world, assets, **fields):
    with world.commit(execute=True):
        run = training_run_submit(
            actor=world.coordinator,
            production=world.production,
            name="house-style",
            model_version=world.models["img2img"],
            assets=assets,
            caption="house style film",
            parameters=TRAIN,
            seed=3,
            **({"territory": "US", "media": "internal"} | fields),
        )
    if run.status != "queued":
        return run
    with world.commit(execute=True):
        return training_run_execute(run_id=run.pk, worker="test")


# --- the pipeline cache and the weights check -----------------------------------------------------


def test_two_jobs_on_the_same_model_load_it_once(world, fresh_cache):
    still = world.still()
    jobs = [
        world.submit(
            "remove_object",
            still,
            mask_polygons=SUBJECT,
            prompt="sky",
            seed=seed,
            parameters={"steps": 2},
        )
        for seed in (1, 2)
    ]

    done = [world.run(job) for job in jobs]

    assert [j.status for j in done] == ["succeeded", "succeeded"]
    assert (fresh_cache.misses, fresh_cache.hits) == (1, 1)


def test_weights_changed_on_disk_after_registration_fail_the_job(
    world, fresh_cache, tiny_folders, tmp_path, settings
):
    folder = tmp_path / "copied" / "inpaint"
    shutil.copytree(tiny_folders["inpaint"], folder)
    settings.EDITING_MODEL_ROOTS = [*settings.EDITING_MODEL_ROOTS, tmp_path.resolve()]
    model = model_register(
        actor=SystemActor("test"), family="copy", version="1", task="inpaint", location=folder
    )
    with (folder / "unet" / "diffusion_pytorch_model.safetensors").open("ab") as weights:
        weights.write(b"\0")  # one byte more: not the weights that were registered
    job = world.submit(
        "remove_object", world.still(), mask_polygons=SUBJECT, prompt="sky", model_version=model
    )

    job = world.run(job)

    assert (job.status, job.output_id) == ("failed", None)
    assert "hash" in job.error
    assert "not the one registered" in job.error
    [event] = audit_rows("editing.job.failed")
    assert (event.actor_name, event.target_id) == ("system:editing.worker", str(job.pk))
    assert "hash" in event.after["error"]
    assert not Asset.objects.filter(origin="ai_output").exists()
    assert fresh_cache.misses == 0  # nothing was loaded


def test_adapter_weights_changed_in_storage_fail_the_job(world, fresh_cache, tmp_path):
    path = tmp_path / "lora.safetensors"
    save_file({"w": torch.zeros(2, 2)}, str(path))
    digest = sha256_of(path.read_bytes())
    adapter = Adapter.objects.create(
        production=world.production,
        name="swapped",
        model_version=world.models["img2img"],
        weights_key=adapter_store_weights(path, digest),
        weights_sha256=digest,
    )
    with default_storage.open(adapter.weights_key, "wb") as stored:
        stored.write(b"something else")
    job = world.submit("restyle", world.still(), prompt="noir", adapters=[(adapter, 1.0)])

    job = world.run(job)

    assert (job.status, job.output_id) == ("failed", None)
    assert "do not match their registered hash" in job.error


# --- training -------------------------------------------------------------------------------------


def test_training_on_a_still_and_a_clip_makes_an_adapter_with_a_frozen_ledger(world, queued):
    still, clip = world.still(), world.clip()

    run = train(world, [still, clip])

    assert run.status == "succeeded", run.error
    assert queued.trainings == [run.pk]
    adapter = run.adapter
    with default_storage.open(adapter.weights_key, "rb") as stored:
        assert adapter.weights_sha256 == sha256_of(stored.read())
    assert adapter.training_ledger_sha256 == run.ledger_sha256
    assert run.ledger_sha256 == sha256_of(canonical_json(run.ledger).encode())
    ledger = run.ledger
    assert [(a["asset"], a["sha256"]) for a in ledger["assets"]] == [
        (still.pk, still.sha256),
        (clip.pk, clip.sha256),
    ]
    assert {(g["license"], g["asset"]) for g in ledger["grants"]} == {
        ("ALPHA-ALL", still.pk),
        ("ALPHA-ALL", clip.pk),
    }
    assert [(c["person"], c["scope"]) for c in ledger["consents"]] == [
        (world.maya.pk, "likeness_training")
    ]
    assert ledger["base_model"]["weights_sha256"] == world.models["img2img"].weights_sha256
    assert ledger["parameters"] == run.parameters
    assert {k: ledger["parameters"][k] for k in TRAIN} == TRAIN
    links = Derivation.objects.filter(output_type="adapter", output_id=adapter.pk)
    assert set(links.values_list("input_type", "input_id", "role")) == {
        ("asset", still.pk, "training"),
        ("asset", clip.pk, "training"),
        ("model_version", world.models["img2img"].pk, "base_model"),
    }
    [trained] = audit_rows("editing.adapter.trained")
    assert trained.target_id == str(adapter.pk)


def test_training_is_denied_when_a_person_in_the_footage_gave_no_likeness_consent(world, queued):
    still, clip = world.still(), world.clip()
    world.person("Noor Haddad", clip, scopes=("digital_alteration",))
    client = APIClient()
    client.force_login(world.coordinator)
    body = {
        "production": "ALPHA",
        "name": "house-style",
        "model_version": world.models["img2img"].pk,
        "assets": [still.pk, clip.pk],
        "territory": "US",
        "media": "internal",
        "parameters": TRAIN,
    }

    with world.commit(execute=True):
        response = client.post("/api/v1/trainings/", body, format="json")

    assert response.status_code == 403, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    run = TrainingRun.objects.get()
    assert [r["message"] for r in response.json()["reasons"]] == [
        "No consent from Noor Haddad for likeness_training."
    ]
    assert (run.status, run.ledger) == ("denied", None)
    assert "Noor Haddad" in run.error
    assert queued.trainings == []
    assert not Adapter.objects.exists()


def test_a_trained_adapter_is_used_in_a_restyle_and_named_in_its_lineage(world):
    adapter = train(world, [world.still(), world.clip()]).adapter
    target = world.still(seed=3)

    job = world.run(
        world.submit(
            "restyle",
            target,
            prompt="house style film",
            adapters=[(adapter, 0.8)],
            parameters={"steps": 2, "strength": 0.5},
        )
    )

    assert job.status == "succeeded", job.error
    assert (job.output.width, job.output.height) == (64, 48)
    assert ("adapter", adapter.pk, "adapter") in edges(job.output)
    [named] = stamped_lineage(job.output)["adapters"]
    assert (named["id"], named["weights_sha256"], named["training_ledger_sha256"]) == (
        adapter.pk,
        adapter.weights_sha256,
        adapter.training_ledger_sha256,
    )
    assert {a["asset"] for a in named["training_assets"]} == set(
        adapter.training_run.assets.values_list("pk", flat=True)
    )


# --- on a GPU -------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_an_edit_runs_on_cuda_in_half_precision(world, fresh_cache, settings):
    settings.EDITING_USE_CUDA = True
    still = world.still()

    job = world.run(
        world.submit(
            "remove_object", still, mask_polygons=SUBJECT, prompt="sky", parameters={"steps": 2}
        )
    )

    assert job.status == "succeeded", job.error
    assert job.device == "cuda"
    pipeline = pipeline_cache().get(world.models["inpaint"])
    assert pipeline.unet.dtype == torch.float16
    assert pipeline.device.type == "cuda"
    assert job.output.c2pa_state == "trusted"
