"""The manifest says what our records say: actions, agent, ingredients, training-mining, lineage."""

import pytest

from assets.credentials.manifest import (
    ALGORITHMIC,
    COMPOSITE_AI,
    FULLY_AI,
    AdapterFacts,
    Ingredient,
    OutputFacts,
    build_manifest,
    merge_training_mining,
)
from assets.credentials.reading import read_credentials
from assets.credentials.stamp import stamp
from assets.synthetic import make_still
from tests.c2pa_helpers import assertion_labels, claim_of


def _assertion(manifest, label):
    return next(a["data"] for a in manifest["assertions"] if a["label"] == label)


def test_an_ai_edit_of_footage_is_opened_then_edited_with_composite_source_type(facts):
    manifest = build_manifest(facts, [Ingredient("in.jpg", "image/jpeg", "/x", "parentOf")])

    actions = _assertion(manifest, "c2pa.actions.v2")["actions"]

    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited"]
    assert actions[1]["digitalSourceType"] == COMPOSITE_AI
    assert actions[1]["softwareAgent"] == {"name": "tiny-inpaint", "version": "2026.11"}
    assert actions[1]["parameters"]["ingredientIds"] == ["ingredient-0"]


def test_a_fully_generated_output_is_created_as_trained_algorithmic_media():
    manifest = build_manifest(
        OutputFacts(title="gen", operation="generate", fully_generated=True), []
    )

    actions = _assertion(manifest, "c2pa.actions.v2")["actions"]

    assert [(a["action"], a["digitalSourceType"]) for a in actions] == [("c2pa.created", FULLY_AI)]


def test_the_lineage_assertion_names_model_adapters_grants_consents_and_job(facts):
    adapter = AdapterFacts(
        8, "house-style", "cd" * 32, "ef" * 32, ({"asset": 1, "sha256": "12" * 32},)
    )
    facts.adapters = (adapter,)

    lineage = _assertion(build_manifest(facts, []), "com.clearcut.lineage")

    assert lineage["model_version"]["weights_sha256"] == "ab" * 32
    assert lineage["adapters"][0]["training_ledger_sha256"] == "ef" * 32
    assert lineage["adapters"][0]["training_assets"] == [{"asset": 1, "sha256": "12" * 32}]
    assert lineage["grants_relied_on"] == [{"license": "L-12", "grant": 5, "asset": 9}]
    assert lineage["consents_relied_on"][0]["consent"] == 2
    assert (lineage["job_id"], lineage["seed"], lineage["frame_ranges"]) == (41, 1234, [[120, 180]])


def test_training_mining_is_written_under_the_cawg_label_alone(facts):
    """C2PA 2.0 removed c2pa.training-mining; CAWG's assertion replaces it."""
    manifest = build_manifest(facts, [])

    labels = [a["label"] for a in manifest["assertions"]]
    assert "c2pa.training-mining" not in labels
    assert _assertion(manifest, "cawg.training-mining")["entries"] == {
        "cawg.ai_training": {"use": "notAllowed"}
    }


def test_a_classical_operation_does_not_claim_trained_algorithmic_media():
    facts = OutputFacts(
        title="big", operation="upscale", action="c2pa.resized", digital_source_type=ALGORITHMIC
    )
    manifest = build_manifest(facts, [Ingredient("in.jpg", "image/jpeg", "/x", "parentOf")])

    actions = _assertion(manifest, "c2pa.actions.v2")["actions"]

    assert [(a["action"], a.get("digitalSourceType")) for a in actions] == [
        ("c2pa.opened", None),
        ("c2pa.resized", ALGORITHMIC),
    ]


def test_an_edit_of_a_frame_range_in_a_masked_area_carries_them_as_changes(facts):
    facts.fps = 24.0
    facts.frame_ranges = ((12, 36),)
    facts.region = {"x": 8, "y": 8, "width": 33, "height": 29, "inside": False}
    manifest = build_manifest(facts, [Ingredient("in.mp4", "video/mp4", "/x", "parentOf")])

    edited = _assertion(manifest, "c2pa.actions.v2")["actions"][1]

    assert edited["action"] == "c2pa.edited"
    [change] = edited["changes"]
    assert change["region"] == [
        {"type": "temporal", "time": {"type": "npt", "start": "0.5", "end": "1.5"}},
        {"type": "frame", "frame": {"start": 12, "end": 35}},
        {
            "type": "spatial",
            "shape": {
                "type": "rectangle",
                "unit": "pixel",
                "origin": {"x": 8, "y": 8},
                "width": 33,
                "height": 29,
                "inside": False,
            },
        },
    ]


def test_our_statements_are_signed_as_created_assertions(tmp_path, signing, facts):
    facts.fps, facts.region = 24.0, {"x": 1, "y": 2, "width": 3, "height": 4, "inside": True}
    parent = stamp(
        source=make_still(tmp_path / "p.jpg", seed=1),
        target=tmp_path / "parent.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[],
    )
    result = stamp(
        source=make_still(tmp_path / "raw.jpg", seed=2),
        target=tmp_path / "out.jpg",
        mime_type="image/jpeg",
        facts=facts,
        ingredients=[Ingredient("parent.jpg", "image/jpeg", str(parent.path), "parentOf")],
    )

    claim = claim_of(result.path, "image/jpeg")
    reading = read_credentials(result.path, "image/jpeg")

    assert {
        "c2pa.actions.v2",
        "c2pa.ingredient.v3",
        "cawg.training-mining",
        "com.clearcut.lineage",
        "c2pa.hash.data",
    } <= assertion_labels(claim["created_assertions"])
    assert not claim.get("gathered_assertions")
    active = reading.manifest["manifests"][reading.active_manifest]
    edited = _assertion(active, "c2pa.actions.v2")["actions"][1]
    assert edited["changes"][0]["region"][1] == {
        "type": "frame",
        "frame": {"start": 120, "end": 179},
    }
    assert reading.state == "trusted"


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        (
            [{"ai_training": {"use": "allowed"}}, {"ai_training": {"use": "notAllowed"}}],
            {"use": "notAllowed"},
        ),
        (
            [{"ai_training": {"use": "allowed"}}, {"ai_training": {"use": "allowed"}}],
            {"use": "allowed"},
        ),
        (
            [
                {"ai_training": {"use": "allowed"}},
                {"ai_training": {"use": "constrained", "constraint_info": "US only"}},
            ],
            {"use": "constrained", "constraint_info": "US only"},
        ),
        (
            [
                {"ai_training": {"use": "constrained", "constraint_info": "US only"}},
                {"ai_training": {"use": "constrained", "constraint_info": "SVOD only"}},
            ],
            {"use": "constrained", "constraint_info": "US only; SVOD only"},
        ),
        (
            [
                {"ai_training": {"use": "constrained", "constraint_info": "US"}},
                {"ai_training": {"use": "notAllowed"}},
            ],
            {"use": "notAllowed"},
        ),
    ],
)
def test_the_most_restrictive_use_wins(sources, expected):
    assert merge_training_mining(sources)["ai_training"] == expected


def test_the_signed_file_carries_the_assertions_as_built(tmp_path, signing, facts):
    raw = make_still(tmp_path / "raw.jpg")
    result = stamp(
        source=raw, target=tmp_path / "out.jpg", mime_type="image/jpeg", facts=facts, ingredients=[]
    )

    reading = read_credentials(result.path, "image/jpeg")

    active = reading.manifest["manifests"][reading.active_manifest]
    labels = {a["label"] for a in active["assertions"]}
    assert {
        "c2pa.actions.v2",
        "cawg.training-mining",
        "com.clearcut.lineage",
    } <= labels
    assert active["claim_generator_info"][0]["name"] == "Clearcut"
