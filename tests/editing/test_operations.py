"""Every operation end to end on the tiny models: what changes, what must not, and what the output
says about how it was made (its origin, its Content Credentials and its lineage edges)."""

import hashlib

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from editing.models import EditJob
from licensing.models import Grant
from tests.editing.helpers import (
    SUBJECT,
    edges,
    frames,
    pixels,
    region,
    stamped_actions,
    stamped_lineage,
)

SIZE = (64, 48)


def test_remove_object_repaints_inside_the_mask_and_leaves_every_other_pixel_exact(world):
    still = world.still()
    job = world.submit(
        "remove_object", still, mask_polygons=SUBJECT, prompt="clean sky", parameters={"steps": 2}
    )

    job = world.run(job)

    assert job.status == "succeeded", job.error
    before, after = pixels(still), pixels(job.output)
    inside = region(SUBJECT, SIZE)
    assert after.shape == before.shape == (48, 64, 3)
    assert job.output.mime_type == "image/png"
    assert np.array_equal(after[~inside], before[~inside])
    assert (after[inside] != before[inside]).any()


def test_replace_background_repaints_outside_the_subject_and_keeps_the_subject_exact(world):
    still = world.still()
    job = world.submit(
        "replace_background",
        still,
        mask_polygons=SUBJECT,
        prompt="beach at sunset",
        parameters={"steps": 2},
    )

    job = world.run(job)

    assert job.status == "succeeded", job.error
    before, after = pixels(still), pixels(job.output)
    subject = region(SUBJECT, SIZE)
    assert np.array_equal(after[subject], before[subject])
    assert (after[~subject] != before[~subject]).any()


@pytest.mark.parametrize(
    ("operation", "prompt", "parameters"),
    [
        ("restyle", "film noir", {"steps": 2, "strength": 0.5}),
        ("relight", "golden hour warm light", {"steps": 4, "strength": 0.3}),
    ],
)
def test_image_to_image_operations_produce_an_output_of_the_same_size(
    world, operation, prompt, parameters
):
    still = world.still()
    job = world.submit(operation, still, prompt=prompt, parameters=parameters)

    job = world.run(job)

    assert job.status == "succeeded", job.error
    assert (job.output.width, job.output.height) == SIZE
    assert pixels(job.output).shape == pixels(still).shape
    assert not np.array_equal(pixels(job.output), pixels(still))
    assert edges(job.output) == {
        ("asset", still.pk, "parentOf"),
        ("model_version", world.models["img2img"].pk, "model"),
    }


def test_regrain_is_seeded_the_same_seed_gives_the_same_grain(world):
    still = world.still()
    first, again, other = (
        world.run(world.submit("regrain", still, seed=seed, parameters={"amount": 0.2}))
        for seed in (5, 5, 6)
    )

    assert [j.status for j in (first, again, other)] == ["succeeded"] * 3
    assert np.array_equal(pixels(first.output), pixels(again.output))
    assert not np.array_equal(pixels(first.output), pixels(other.output))
    assert not np.array_equal(pixels(first.output), pixels(still))
    assert first.model_version is None
    assert edges(first.output) == {("asset", still.pk, "parentOf")}


@pytest.mark.parametrize("factor", [2, 4])
def test_upscale_multiplies_width_and_height_by_the_factor(world, factor):
    still = world.still()

    job = world.run(world.submit("upscale", still, parameters={"factor": factor}))

    assert job.status == "succeeded", job.error
    assert (job.output.width, job.output.height) == (64 * factor, 48 * factor)
    assert pixels(job.output).shape == (48 * factor, 64 * factor, 3)
    assert stamped_lineage(job.output)["model_version"] is None


@pytest.mark.parametrize(
    ("operation", "parameters", "action"),
    [("upscale", {"factor": 2}, "c2pa.resized"), ("regrain", {"amount": 0.2}, "c2pa.filtered")],
)
def test_classical_outputs_are_credited_as_algorithmically_enhanced_not_ai(
    world, operation, parameters, action
):
    job = world.run(world.submit(operation, world.still(), parameters=parameters))

    actions = stamped_actions(job.output)

    assert job.status == "succeeded", job.error
    assert [(a["action"], a.get("digitalSourceType")) for a in actions] == [
        ("c2pa.opened", None),
        (action, "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicallyEnhanced"),
    ]


def test_an_edit_of_a_clip_names_its_frames_and_area_as_changes(world):
    clip = world.clip()
    job = world.submit(
        "replace_background",
        clip,
        mask_polygons=SUBJECT,
        prompt="beach",
        parameters={"steps": 2, "frame_start": 4, "frame_end": 8},
    )

    edited = stamped_actions(world.run(job).output)[1]

    assert edited["action"] == "c2pa.edited"
    assert edited["digitalSourceType"].endswith("/compositeWithTrainedAlgorithmicMedia")
    [change] = edited["changes"]
    temporal, frames_, spatial = change["region"]
    assert temporal == {
        "type": "temporal",
        "time": {"type": "npt", "start": "0.166667", "end": "0.333333"},
    }
    assert frames_ == {"type": "frame", "frame": {"start": 4, "end": 7}}
    assert spatial["shape"]["origin"] == {"x": 8.0, "y": 8.0}
    assert (spatial["shape"]["width"], spatial["shape"]["height"]) == (33.0, 29.0)
    assert spatial["shape"]["inside"] is False


def test_classical_operations_need_edit_rights_and_no_consent(world):
    """Without an ai_edit grant and with an unconsented person in shot, a regrain still runs."""
    still = world.still()
    world.person("Unsigned Extra", still)
    Grant.objects.filter(license=world.license, action="ai_edit").delete()

    regrain = world.submit("regrain", still)
    inpaint = world.submit("remove_object", still, mask_polygons=SUBJECT, prompt="sky")

    assert regrain.status == "queued", regrain.error
    assert inpaint.status == "denied"
    assert "no grant covers ai_edit" in inpaint.error
    assert "No consent from Unsigned Extra for digital_alteration" in inpaint.error


def test_an_ai_output_is_trusted_and_its_lineage_names_job_seed_and_model_weights(world, api):
    still = world.still()
    model = world.models["inpaint"]
    job = world.submit(
        "remove_object",
        still,
        mask_polygons=SUBJECT,
        prompt="clean sky",
        parameters={"steps": 2},
        seed=424242,
    )

    job = world.run(job)

    output = job.output
    assert (output.origin, output.c2pa_state, output.status) == ("ai_output", "trusted", "active")
    assert edges(output) == {
        ("asset", still.pk, "parentOf"),
        ("model_version", model.pk, "model"),
    }
    lineage = stamped_lineage(output)
    assert (lineage["job_id"], lineage["seed"]) == (job.pk, 424242)
    assert lineage["model_version"]["weights_sha256"] == model.weights_sha256
    assert lineage["inputs"][0]["asset"] == still.pk
    assert lineage["inputs"][0]["sha256"] == still.sha256
    assert {g["license"] for g in lineage["grants_relied_on"]} == {"ALPHA-ALL"}
    assert [(c["person"], c["scope"]) for c in lineage["consents_relied_on"]] == [
        (world.maya.pk, "digital_alteration")
    ]
    api.force_login(world.coordinator)
    response = api.get(f"/api/v1/assets/{output.pk}/credentials/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "trusted"


def test_a_frame_range_of_a_clip_is_edited_and_the_rest_copied_with_audio_and_timing(world):
    clip = world.clip()
    assert (clip.frame_count, clip.fps, clip.audio_codec) == (12, "24", "aac")
    job = world.submit(
        "remove_object",
        clip,
        mask_polygons=SUBJECT,
        prompt="clean sky",
        parameters={"steps": 2, "frame_start": 4, "frame_end": 8},
    )

    job = world.run(job)

    assert job.status == "succeeded", job.error
    output = job.output
    assert output.mime_type == "video/mp4"
    assert (output.frame_count, output.fps, output.audio_codec) == (12, "24", "aac")
    assert (output.width, output.height) == SIZE
    before, after = frames(clip), frames(output)
    assert len(before) == len(after) == 12
    inside = region(SUBJECT, SIZE)
    diffs = [float(np.abs(a - b)[inside].mean()) for a, b in zip(after, before, strict=True)]
    untouched = diffs[:4] + diffs[8:]
    edited = diffs[4:8]
    assert max(untouched) < 3, diffs
    assert min(edited) > max(untouched) + 5, diffs
    lineage = stamped_lineage(output)
    assert (lineage["job_id"], lineage["frame_ranges"]) == (job.pk, [[4, 8]])
    assert output.c2pa_state == "trusted"
    assert edges(output) == {
        ("asset", clip.pk, "parentOf"),
        ("model_version", world.models["inpaint"].pk, "model"),
    }


def test_a_mask_asset_is_recorded_as_an_input_of_the_output(world, tmp_path):
    still = world.still()
    mask = Image.new("L", SIZE, 0)
    mask.paste(255, (10, 10, 30, 30))
    mask.save(tmp_path / "mask.png")
    mask_asset = world.ingest(tmp_path / "mask.png", cast=False)

    job = world.run(
        world.submit("remove_object", still, mask=mask_asset, prompt="sky", parameters={"steps": 2})
    )

    assert job.status == "succeeded", job.error
    inside = np.asarray(mask) >= 128
    assert np.array_equal(pixels(job.output)[~inside], pixels(still)[~inside])
    assert ("asset", mask_asset.pk, "mask") in edges(job.output)
    assert EditJob.objects.get(pk=job.pk).progress_percent == 100


def test_the_output_is_moved_into_storage_not_copied_again(world, monkeypatch):
    from assets.services import ingest

    def no_second_copy(*args, **kwargs):
        raise AssertionError("the stamped output was spooled a second time")

    still = world.still()
    monkeypatch.setattr(ingest, "spool_stream", no_second_copy)
    job = world.submit("regrain", still, parameters={"amount": 0.2})

    job = world.run(job)

    assert job.status == "succeeded", job.error
    assert (
        job.output.sha256
        == hashlib.sha256(default_storage.open(job.output.storage_key).read()).hexdigest()
    )
