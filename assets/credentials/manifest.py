"""The manifest of one of our outputs, built from our own records (no hand-written JSON at call sites).

It says: which inputs the output was made from (as ingredients, their own manifests kept), what was
done (``c2pa.actions.v2``: the action, the IPTC digital source type that fits the operation, the
model as software agent, and the frames and area it touched as ``changes``), what the sources'
licenses allow for data mining and AI training (most restrictive wins), and, under our own label,
the model version, the adapters, the training footage behind them, and the grants and consents the
gate relied on.

Every assertion here is marked ``created``: these are statements the signer makes, not data it
gathered from elsewhere (ingredient assertions are made created by the signing settings, see
``config.CREATED_ASSERTION_LABELS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
COMPOSITE_AI = IPTC + "compositeWithTrainedAlgorithmicMedia"
FULLY_AI = IPTC + "trainedAlgorithmicMedia"
# Deterministic processing with no trained model (Lanczos resampling, grain synthesis).
ALGORITHMIC = IPTC + "algorithmicallyEnhanced"
LINEAGE_LABEL = "com.clearcut.lineage"
TRAINING_MINING_ENTRIES = ("data_mining", "ai_training", "ai_generative_training", "ai_inference")
_ORDER = {"allowed": 0, "constrained": 1, "notAllowed": 2}


@dataclass(frozen=True)
class Ingredient:
    """An input file: its title, MIME type, where it lies, and how it went into the output."""

    title: str
    mime_type: str
    path: str
    relationship: str = "parentOf"  # or componentOf
    asset_id: int | None = None
    sha256: str = ""
    manifest_data: bytes | None = None  # a sidecar manifest, for formats that cannot embed one


@dataclass(frozen=True)
class ModelFacts:
    id: int
    name: str
    version: str
    weights_sha256: str


@dataclass(frozen=True)
class AdapterFacts:
    id: int
    name: str
    weights_sha256: str
    training_ledger_sha256: str
    training_assets: tuple[dict, ...] = ()  # {"asset": id, "sha256": …}


@dataclass
class OutputFacts:
    """What made the output, as our records say."""

    title: str
    operation: str
    fully_generated: bool = False
    digital_source_type: str = COMPOSITE_AI  # FULLY_AI when fully_generated
    action: str = "c2pa.edited"  # or c2pa.resized, c2pa.filtered: the C2PA action that fits
    model: ModelFacts | None = None
    adapters: tuple[AdapterFacts, ...] = ()
    job_id: int | None = None
    training_run_id: int | None = None
    seed: int | None = None
    frame_ranges: tuple[tuple[int, int], ...] = ()  # [start, end) frame indices
    fps: float | None = None  # to give frame ranges as times too
    # The area the operation worked on, in pixels: {"x", "y", "width", "height", "inside"}
    # (``inside`` false when it worked outside the rectangle, as a background replacement does).
    region: dict | None = None
    parameters: dict = field(default_factory=dict)
    grants: tuple[dict, ...] = ()  # the grants the gate relied on: {"license", "grant", "asset"}
    consents: tuple[dict, ...] = ()  # the consents relied on: {"consent", "person", "scope"}
    gate_evaluation_id: int | None = None
    training_mining: dict = field(default_factory=dict)  # entry -> {"use", "constraint_info"}


def merge_training_mining(terms: list[dict]) -> dict:
    """Per entry, the most restrictive use among the sources; constraint texts are kept, joined."""
    merged: dict[str, dict] = {}
    for source in terms:
        for entry in TRAINING_MINING_ENTRIES:
            value = source.get(entry)
            if value is None:
                continue
            current = merged.get(entry)
            if current is None or _ORDER[value["use"]] > _ORDER[current["use"]]:
                merged[entry] = dict(value)
            elif value["use"] == current["use"] == "constrained":
                texts = [
                    t for t in (current.get("constraint_info"), value.get("constraint_info")) if t
                ]
                merged[entry]["constraint_info"] = "; ".join(dict.fromkeys(texts))
    return merged


def _training_mining_assertions(terms: dict) -> list[dict]:
    if not terms:
        return []
    entries = {}
    for entry, value in terms.items():
        item = {"use": value["use"]}
        if value.get("constraint_info"):
            item["constraint_info"] = value["constraint_info"]
        entries[entry] = item
    # Only the CAWG assertion: C2PA 2.0 removed ``c2pa.training-mining`` from its specification
    # and the Creator Assertions Working Group re-published it as ``cawg.training-mining``; our
    # claims are C2PA 2.x claims, so the current specifications call for the CAWG one alone.
    return [
        {
            "label": "cawg.training-mining",
            "data": {"entries": {f"cawg.{k}": v for k, v in entries.items()}},
            "created": True,
        },
    ]


def _agent(facts: OutputFacts) -> dict:
    if facts.model is None:
        return {"name": "Clearcut", "version": settings.CLEARCUT_VERSION}
    return {"name": facts.model.name, "version": facts.model.version}


def _actions(facts: OutputFacts, ingredients: list[Ingredient]) -> dict:
    parents = [
        f"ingredient-{i}" for i, ing in enumerate(ingredients) if ing.relationship == "parentOf"
    ]
    all_ids = [f"ingredient-{i}" for i in range(len(ingredients))]
    actions = []
    if parents and not facts.fully_generated:
        actions.append({"action": "c2pa.opened", "parameters": {"ingredientIds": parents[:1]}})
    created = facts.fully_generated or not parents
    main = {
        "action": "c2pa.created" if created else facts.action,
        "digitalSourceType": FULLY_AI if facts.fully_generated else facts.digital_source_type,
        "softwareAgent": _agent(facts),
        "description": facts.operation,
    }
    if all_ids:
        main["parameters"] = {"ingredientIds": all_ids}
    changes = _changes(facts)
    if changes and not created:
        main["changes"] = changes
    actions.append(main)
    return {"label": "c2pa.actions.v2", "data": {"actions": actions}, "created": True}


def _npt(frame: int, fps: float) -> str:
    return f"{frame / fps:.6f}".rstrip("0").rstrip(".")


def _changes(facts: OutputFacts) -> list[dict]:
    """The regions of interest an edit touched, in the standard's terms: per frame range a
    temporal range (normal play time) and a frame range (end inclusive), with the area as a
    spatial range when the operation worked on a region."""
    spatial = []
    if facts.region:
        r = facts.region
        spatial = [
            {
                "type": "spatial",
                "shape": {
                    "type": "rectangle",
                    "unit": "pixel",
                    "origin": {"x": r["x"], "y": r["y"]},
                    "width": r["width"],
                    "height": r["height"],
                    "inside": r.get("inside", True),
                },
            }
        ]
    changes = []
    for start, end in facts.frame_ranges:
        region = []
        if facts.fps:
            time = {"type": "npt", "start": _npt(start, facts.fps), "end": _npt(end, facts.fps)}
            region.append({"type": "temporal", "time": time})
        region.append({"type": "frame", "frame": {"start": start, "end": end - 1}})
        changes.append(
            {"region": region + spatial, "description": f"frames {start} to {end - 1} edited"}
        )
    if not changes and spatial:
        changes.append({"region": spatial, "description": "area edited"})
    return changes


def _lineage(facts: OutputFacts, ingredients: list[Ingredient]) -> dict:
    data = {
        "operation": facts.operation,
        "job_id": facts.job_id,
        "training_run_id": facts.training_run_id,
        "seed": facts.seed,
        "frame_ranges": [list(r) for r in facts.frame_ranges],
        "parameters": facts.parameters,
        "inputs": [
            {"asset": i.asset_id, "sha256": i.sha256, "relationship": i.relationship}
            for i in ingredients
        ],
        "model_version": None
        if facts.model is None
        else {
            "id": facts.model.id,
            "name": facts.model.name,
            "version": facts.model.version,
            "weights_sha256": facts.model.weights_sha256,
        },
        "adapters": [
            {
                "id": a.id,
                "name": a.name,
                "weights_sha256": a.weights_sha256,
                "training_ledger_sha256": a.training_ledger_sha256,
                "training_assets": list(a.training_assets),
            }
            for a in facts.adapters
        ],
        "grants_relied_on": list(facts.grants),
        "consents_relied_on": list(facts.consents),
        "gate_evaluation": facts.gate_evaluation_id,
    }
    return {"label": LINEAGE_LABEL, "data": data, "created": True}


def build_manifest(facts: OutputFacts, ingredients: list[Ingredient]) -> dict:
    return {
        "claim_generator_info": [{"name": "Clearcut", "version": settings.CLEARCUT_VERSION}],
        "title": facts.title,
        "assertions": [
            _actions(facts, ingredients),
            *_training_mining_assertions(facts.training_mining),
            _lineage(facts, ingredients),
        ],
    }
