"""Bad edit requests are refused before anything is recorded: a 400 naming the field (API) or a
ValidationError (service), no job row, nothing queued, no gate evaluation. Footage that may not be
used at all (quarantined, tainted) is a denial instead: the job is kept with the reason, not queued.
"""

from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from rest_framework.test import APIClient

from assets.models import Asset
from editing.models import Adapter, EditJob
from editing.services import edit_job_submit
from studio.models import AuditEvent
from tests.editing.helpers import PROBLEM, SUBJECT, fields_of

URL = "/api/v1/edits/"
LIMIT = 40  # EDITING_MAX_PROMPT_CHARS in these tests


@dataclass
class Scene:
    still: Asset
    clip: Asset
    small_mask: Asset
    black_mask: Asset
    inpaint_adapter: Adapter
    own_adapter: Adapter
    foreign_adapter: Adapter


def _mask(world, folder, name, size, box=None) -> Asset:
    image = Image.new("L", size, 0)
    if box:
        image.paste(255, box)
    image.save(folder / name)
    return world.ingest(folder / name, cast=False)


def _adapter(production, model, name) -> Adapter:
    return Adapter.objects.create(
        production=production,
        name=name,
        model_version=model,
        weights_key=f"adapters/{name}",
        weights_sha256="a" * 64,
    )


@pytest.fixture
def scene(world, tmp_path, settings) -> Scene:
    settings.EDITING_MAX_PROMPT_CHARS = LIMIT
    return Scene(
        still=world.still(),
        clip=world.clip(),
        small_mask=_mask(world, tmp_path, "small.png", (32, 32), (4, 4, 20, 20)),
        black_mask=_mask(world, tmp_path, "black.png", (64, 48)),
        inpaint_adapter=_adapter(world.production, world.models["inpaint"], "inpaint-lora"),
        own_adapter=_adapter(world.production, world.models["img2img"], "alpha-lora"),
        foreign_adapter=_adapter(world.other, world.models["img2img"], "bravo-lora"),
    )


def request(s: Scene, operation="remove_object", asset=None, **fields) -> dict:
    base = {
        "production": "ALPHA",
        "operation": operation,
        "inputs": [(asset or s.still).pk],
        "territory": "US",
        "media": "svod",
        "prompt": "clean sky",
    }
    if operation in ("remove_object", "replace_background") and "mask" not in fields:
        base["mask_polygons"] = SUBJECT
    return base | fields


CASES = {
    "mask of another size": (lambda s: request(s, mask=s.small_mask.pk), "mask"),
    "all-black mask": (lambda s: request(s, mask=s.black_mask.pk), "mask"),
    "no mask for an inpaint": (lambda s: request(s, mask_polygons=[]), "mask"),
    "a point as a polygon": (
        lambda s: request(s, mask_polygons=[[[5, 5], [5, 5], [5, 5]]]),
        "mask_polygons.0",
    ),
    "a line as a polygon": (
        lambda s: request(s, mask_polygons=[[[0, 0], [10, 0], [20, 0]]]),
        "mask_polygons.0",
    ),
    "a polygon outside the frame": (
        lambda s: request(s, mask_polygons=[[[100, 100], [120, 100], [120, 120]]]),
        "mask_polygons",
    ),
    "a polygon of two points": (
        lambda s: request(s, mask_polygons=[[[0, 0], [10, 10]]]),
        "mask_polygons.0",
    ),
    "a mask for an operation without one": (
        lambda s: request(s, "restyle", mask_polygons=SUBJECT),
        "mask",
    ),
    "frame_end past the clip": (
        lambda s: request(s, asset=s.clip, parameters={"frame_start": 0, "frame_end": 13}),
        "parameters.frame_end",
    ),
    "frame_start equal to frame_end": (
        lambda s: request(s, asset=s.clip, parameters={"frame_start": 5, "frame_end": 5}),
        "parameters.frame_end",
    ),
    "frame_start after frame_end": (
        lambda s: request(s, asset=s.clip, parameters={"frame_start": 8, "frame_end": 4}),
        "parameters.frame_end",
    ),
    "a negative frame_start": (
        lambda s: request(s, asset=s.clip, parameters={"frame_start": -1, "frame_end": 4}),
        "parameters.frame_end",
    ),
    "a frame range on a still": (
        lambda s: request(s, parameters={"frame_start": 0, "frame_end": 1}),
        "parameters.frame_start",
    ),
    "an unknown operation": (lambda s: request(s, "deepfake"), "operation"),
    "an adapter for another base model": (
        lambda s: request(s, "restyle", adapters=[{"adapter": s.inpaint_adapter.pk}]),
        "adapters.0",
    ),
    "an adapter of another production": (
        lambda s: request(s, "restyle", adapters=[{"adapter": s.foreign_adapter.pk}]),
        "adapters.0.adapter",
    ),
    "an adapter weight above 2": (
        lambda s: request(s, "restyle", adapters=[{"adapter": s.own_adapter.pk, "weight": 3}]),
        "adapters.0",
    ),
    "a prompt over the limit": (lambda s: request(s, prompt="x" * (LIMIT + 1)), "prompt"),
    "a negative prompt over the limit": (
        lambda s: request(s, negative_prompt="y" * (LIMIT + 1)),
        "negative_prompt",
    ),
    "a negative strength": (
        lambda s: request(s, "restyle", parameters={"strength": -0.2}),
        "parameters.strength",
    ),
    "relight stronger than 0.4": (
        lambda s: request(s, "relight", prompt="golden hour", parameters={"strength": 0.9}),
        "parameters.strength",
    ),
    "steps that are not a number": (
        lambda s: request(s, parameters={"steps": "many"}),
        "parameters.steps",
    ),
    "an unknown parameter": (
        lambda s: request(s, parameters={"steps": 2, "temperature": 0.7}),
        "parameters",
    ),
    "replace_background without a prompt": (
        lambda s: request(s, "replace_background", prompt=""),
        "prompt",
    ),
    "replace_background with a blank prompt": (
        lambda s: request(s, "replace_background", prompt="   "),
        "prompt",
    ),
    # 2 steps at strength 0.25 leave no denoising step: refused now, not failed on a GPU later
    "relight with no denoising step left": (
        lambda s: request(s, "relight", prompt="warm light", parameters={"steps": 2}),
        ("parameters.steps", "parameters.strength"),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_request_is_a_400_naming_the_field_and_records_nothing(world, scene, queued, case):
    build, field = CASES[case]
    client = APIClient()
    client.force_login(world.coordinator)
    events_before = AuditEvent.objects.count()

    with world.commit(execute=True):
        response = client.post(URL, build(scene), format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    named = {field} if isinstance(field, str) else set(field)
    assert named & fields_of(response), response.json()
    assert EditJob.objects.count() == 0
    assert queued.edits == []
    assert AuditEvent.objects.count() == events_before


def _submit(world, actor, asset, operation="remove_object", **fields):
    fields = {"mask_polygons": SUBJECT, "prompt": "sky"} | fields
    return edit_job_submit(
        actor=actor,
        production=world.production,
        operation=operation,
        inputs=[asset],
        territory="US",
        media="svod",
        **fields,
    )


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("inputs of another production", "inputs"),
        ("an adapter of another production", "adapters.0"),
        ("an unknown operation", "operation"),
        ("two inputs", "inputs"),
    ],
)
def test_the_service_refuses_what_the_api_cannot_express(world, scene, queued, case, field):
    foreign = world.still(seed=2, production=world.other, cast=False)
    calls = {
        "inputs of another production": lambda: _submit(world, world.superuser, foreign),
        "an adapter of another production": lambda: _submit(
            world,
            world.superuser,
            scene.still,
            "restyle",
            mask_polygons=None,
            adapters=[(scene.foreign_adapter, 1.0)],
        ),
        "an unknown operation": lambda: _submit(world, world.coordinator, scene.still, "melt"),
        "two inputs": lambda: edit_job_submit(
            actor=world.coordinator,
            production=world.production,
            operation="regrain",
            inputs=[scene.still, scene.clip],
            territory="US",
            media="svod",
        ),
    }

    with world.commit(execute=True), pytest.raises(ValidationError) as refused:
        calls[case]()

    assert field in refused.value.message_dict
    assert EditJob.objects.count() == 0
    assert queued.edits == []


# --- footage that may not be used: a recorded denial, not a 400 -----------------------------------


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("quarantined", "Content Credentials are invalid: assertion.dataHash.mismatch"),
        ("tainted", "Its source license was found void"),
    ],
)
def test_an_edit_of_blocked_footage_is_denied_with_the_reason(world, queued, status, reason):
    still = world.still()
    Asset.objects.filter(pk=still.pk).update(status=status, status_reason=reason)
    client = APIClient()
    client.force_login(world.coordinator)

    with world.commit(execute=True):
        response = client.post(URL, request_for(still), format="json")

    assert response.status_code == 403, response.content
    expected = f"Asset {still.pk} (still1.png) is {status}: {reason}."
    assert [r["message"] for r in response.json()["reasons"]] == [expected]
    job = EditJob.objects.get()
    assert (job.status, job.error) == ("denied", expected)
    assert queued.edits == []


def test_footage_blocked_after_queueing_is_denied_when_the_worker_starts(world):
    still = world.still()
    job = world.submit("remove_object", still, mask_polygons=SUBJECT, prompt="sky")
    Asset.objects.filter(pk=still.pk).update(status="tainted", status_reason="License void")

    job = world.run(job)

    assert (job.status, job.output_id) == ("denied", None)
    assert job.start_evaluation.allowed is False
    assert "is tainted: License void" in job.error
    assert not Asset.objects.filter(origin="ai_output").exists()


def request_for(asset) -> dict:
    return {
        "production": "ALPHA",
        "operation": "remove_object",
        "inputs": [asset.pk],
        "territory": "US",
        "media": "svod",
        "mask_polygons": SUBJECT,
        "prompt": "sky",
    }


def test_a_prompt_exactly_at_the_limit_is_accepted(world, settings):
    settings.EDITING_MAX_PROMPT_CHARS = 5

    job = world.submit("relight", world.still(), prompt="x" * 5)

    assert job.status == "queued"
