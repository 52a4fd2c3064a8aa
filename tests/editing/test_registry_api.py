"""Models and adapters over the API (registration hashes the weights; who may register), and every
editing list costs the same number of queries for 1 row as for 50."""

import hashlib

import pytest
import torch
from django.core.files.storage import default_storage
from rest_framework.test import APIClient
from safetensors.torch import save_file

from editing.models import Adapter, ModelVersion
from editing.pipelines import directory_weights_sha256
from tests.editing.helpers import PROBLEM, audit_rows, fields_of

MODELS, ADAPTERS = "/api/v1/models/", "/api/v1/adapters/"


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# --- models ---------------------------------------------------------------------------------------


def test_the_model_list_shows_the_registered_models_with_their_hashes(world):
    response = signed_in(world.coordinator).get(MODELS)

    assert response.status_code == 200, response.content
    rows = {row["task"]: row for row in response.json()["results"]}
    assert set(rows) == {"inpaint", "img2img"}
    for task, model in world.models.items():
        assert rows[task]["id"] == model.pk
        assert rows[task]["weights_sha256"] == model.weights_sha256
        assert (rows[task]["status"], rows[task]["max_side"]) == ("active", 64)


def test_an_administrator_registers_a_model_and_its_weights_are_hashed(world, tiny_folders):
    folder = tiny_folders["img2img"]
    body = {"family": "tiny-api", "version": "2", "task": "img2img", "location": str(folder)}

    response = signed_in(world.superuser).post(MODELS, body | {"max_side": 64}, format="json")

    assert response.status_code == 201, response.content
    model = ModelVersion.objects.get(family="tiny-api")
    assert response.json()["weights_sha256"] == model.weights_sha256
    assert model.weights_sha256 == directory_weights_sha256(folder)
    assert model.weights_sha256 == world.models["img2img"].weights_sha256  # same files
    [event] = audit_rows("editing.model.registered")[-1:]
    assert (event.actor_id, event.target_id) == (world.superuser.pk, str(model.pk))


def test_a_model_outside_the_model_folders_is_refused(world, tmp_path):
    body = {"family": "x", "version": "1", "task": "inpaint", "location": str(tmp_path)}

    response = signed_in(world.superuser).post(MODELS, body, format="json")

    assert response.status_code == 400
    assert fields_of(response) == {"location"}
    assert not ModelVersion.objects.filter(family="x").exists()


def test_a_coordinator_cannot_register_a_model(world, tiny_folders):
    body = {"family": "mine", "version": "1", "task": "inpaint"}
    events = len(audit_rows("editing.model.registered"))

    response = signed_in(world.coordinator).post(
        MODELS, body | {"location": str(tiny_folders["inpaint"])}, format="json"
    )

    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM)
    assert not ModelVersion.objects.filter(family="mine").exists()
    assert len(audit_rows("editing.model.registered")) == events


# --- adapters -------------------------------------------------------------------------------------


@pytest.fixture
def lora_file(tmp_path):
    path = tmp_path / "pytorch_lora_weights.safetensors"
    save_file({"unet.down.lora_A.weight": torch.ones(4, 8)}, str(path))
    return path


def upload(client, world, path, **fields):
    with path.open("rb") as handle:
        data = {
            "production": "ALPHA",
            "name": "house-style",
            "model_version": world.models["img2img"].pk,
            "weights": handle,
        }
        return client.post(ADAPTERS, data | fields, format="multipart")


def test_legal_uploads_adapter_weights_and_their_sha256_is_recorded(world, lora_file):
    response = upload(signed_in(world.legal), world, lora_file)

    assert response.status_code == 201, response.content
    adapter = Adapter.objects.get()
    expected = hashlib.sha256(lora_file.read_bytes()).hexdigest()
    assert response.json()["weights_sha256"] == adapter.weights_sha256 == expected
    assert (adapter.production, adapter.model_version) == (
        world.production,
        world.models["img2img"],
    )
    assert adapter.training_run is None
    assert response.json()["ledger"] is None
    with default_storage.open(adapter.weights_key, "rb") as stored:
        assert stored.read() == lora_file.read_bytes()
    [event] = audit_rows("editing.adapter.registered")
    assert event.actor_id == world.legal.pk


def test_a_file_that_is_not_safetensors_is_refused(world, tmp_path):
    fake = tmp_path / "weights.safetensors"
    fake.write_bytes(b"PK\x03\x04 this is a zip, not safetensors " * 4)

    response = upload(signed_in(world.legal), world, fake)

    assert response.status_code == 400
    assert fields_of(response) == {"weights"}
    assert not Adapter.objects.exists()


def test_a_coordinator_cannot_register_an_adapter(world, lora_file):
    response = upload(signed_in(world.coordinator), world, lora_file)

    assert response.status_code == 403
    assert not Adapter.objects.exists()
    assert audit_rows("editing.adapter.registered") == []


# --- lists: the same number of queries for 1 row and for 50 ---------------------------------------
