"""The manifest says what our records say: actions, agent, ingredients, training-mining, lineage."""

import pytest

from assets.credentials.manifest import (
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


def test_training_mining_is_written_under_both_labels(facts):
    manifest = build_manifest(facts, [])

    assert _assertion(manifest, "c2pa.training-mining")["entries"] == {
        "c2pa.ai_training": {"use": "notAllowed"}
    }
    assert _assertion(manifest, "cawg.training-mining")["entries"] == {
        "cawg.ai_training": {"use": "notAllowed"}
    }


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
        "c2pa.training-mining",
        "cawg.training-mining",
        "com.clearcut.lineage",
    } <= labels
    assert active["claim_generator_info"][0]["name"] == "Clearcut"
