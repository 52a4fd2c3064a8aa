"""Lineage as W3C PROV: a PROV-JSON document, and the same graph as PROV-O in JSON-LD.

Entities are the graph's nodes (assets, adapters, model versions); activities are the edit jobs and
training runs that made them, with their start and end; agents are who asked (the user, or the API
token acting on their behalf), the worker that ran it (a software agent) and the model version
that ran in it (PROV-O: "a software agent is running software", so a model version is both the
entity used and an agent of the run). ``prov:type`` values are qualified names.
"""

from __future__ import annotations

from urllib.parse import quote

from django.apps import apps

from assets.choices import LineageActivity, LineageNode
from studio.models import AuditEvent

PROV = "http://www.w3.org/ns/prov#"
NS = "https://clearcut.invalid/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
# The runs live in the editing app, a floor above: read by name, never imported.
RUNS = {LineageActivity.EDIT_JOB: "EditJob", LineageActivity.TRAINING_RUN: "TrainingRun"}
REQUESTED = {
    LineageActivity.EDIT_JOB: ("editing.editjob", ("editing.job.queued", "editing.job.denied")),
    LineageActivity.TRAINING_RUN: (
        "editing.trainingrun",
        ("editing.training.queued", "editing.training.denied"),
    ),
}


def qname(name: str) -> dict:
    return {"$": name, "type": "prov:QUALIFIED_NAME"}


def node_id(node_type: str, node_id: int) -> str:
    return f"clearcut:{node_type}/{node_id}"


def _local(text: str) -> str:
    return quote(text, safe="")


def _entity(node_type: str, pk: int, assets: dict, models: dict) -> dict:
    entity = {"prov:type": qname(f"clearcut:{node_type}")}
    asset = assets.get(pk) if node_type == LineageNode.ASSET else None
    if asset is not None:
        entity |= {
            "prov:label": asset.original_filename,
            "clearcut:sha256": asset.sha256,
            "clearcut:status": asset.status,
            "clearcut:origin": asset.origin,
        }
    model = models.get(pk) if node_type == LineageNode.MODEL_VERSION else None
    if model is not None:
        entity |= {"prov:label": model["label"], "clearcut:sha256": model["weights_sha256"]}
    return entity


def _runs(activities: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """The edit jobs and training runs behind the activities, with who asked: one query per kind
    of run, one for the models, one for the requests' audit rows."""
    runs = {}
    for kind, model_name in RUNS.items():
        ids = [pk for t, pk in activities if t == kind]
        if not ids:
            continue
        rows = apps.get_model("editing", model_name).objects.filter(pk__in=ids)
        for row in rows.values(
            "pk",
            "requested_by",
            "requested_by_id",
            "worker",
            "device",
            "status",
            "started_at",
            "finished_at",
            "model_version_id",
        ):
            runs[(kind, row["pk"])] = row
    tokens = _request_tokens(runs)
    for key, run in runs.items():
        run["token"] = tokens.get(key)
    return runs


def _request_tokens(runs: dict) -> dict[tuple[str, int], dict]:
    if not runs:
        return {}
    by_target = {(REQUESTED[kind][0], str(pk)): (kind, pk) for kind, pk in runs}
    actions = [a for _, pair in REQUESTED.values() for a in pair]
    rows = AuditEvent.objects.filter(
        target_type__in={t for t, _ in by_target},
        target_id__in={i for _, i in by_target},
        action__in=actions,
        token_id__isnull=False,
    ).values("target_type", "target_id", "token_id", "actor_name")
    return {by_target[(r["target_type"], r["target_id"])]: r for r in rows}


def model_labels(ids) -> dict[int, dict]:
    if not ids:
        return {}
    rows = apps.get_model("editing", "ModelVersion").objects.filter(pk__in=ids)
    return {
        r["pk"]: {"label": f"{r['family']} {r['version']}", "weights_sha256": r["weights_sha256"]}
        for r in rows.values("pk", "family", "version", "weights_sha256")
    }


def prov_document(keys, edges, assets) -> dict:
    activities = {(e.activity_type, e.activity_id) for e in edges if e.activity_id is not None}
    runs = _runs(activities)
    model_ids = {pk for t, pk in keys if t == LineageNode.MODEL_VERSION}
    model_ids |= {r["model_version_id"] for r in runs.values() if r["model_version_id"]}
    models = model_labels(model_ids)
    document = {
        "prefix": {"clearcut": NS, "prov": PROV},
        "entity": {node_id(t, i): _entity(t, i, assets, models) for t, i in sorted(keys)},
        "agent": {},
        "activity": {},
        "wasDerivedFrom": {},
        "used": {},
        "wasGeneratedBy": {},
        "wasAssociatedWith": {},
        "actedOnBehalfOf": {},
        "wasAttributedTo": {},
    }
    for edge in edges:
        _add_edge(document, edge, runs)
    for key in sorted(activities):
        _add_activity(document, key, runs.get(key), models)
    return document


def _add_edge(document: dict, edge, runs: dict) -> None:
    output = node_id(edge.output_type, edge.output_id)
    source = node_id(edge.input_type, edge.input_id)
    derived = {
        "prov:generatedEntity": output,
        "prov:usedEntity": source,
        "clearcut:role": edge.role,
    }
    document["wasDerivedFrom"][f"_:d{edge.pk}"] = derived
    if edge.activity_id is None:
        return
    activity = node_id(edge.activity_type, edge.activity_id)
    derived["prov:activity"] = activity
    used = {"prov:activity": activity, "prov:entity": source}
    if edge.role:
        used["prov:role"] = qname(f"clearcut:{_local(edge.role)}")
    document["used"][f"_:u{edge.pk}"] = used
    generated = {"prov:entity": output, "prov:activity": activity}
    run = runs.get((edge.activity_type, edge.activity_id))
    if run and run["finished_at"]:
        generated["prov:time"] = run["finished_at"].isoformat()
    pair = f"{edge.output_type}{edge.output_id}-{edge.activity_type}{edge.activity_id}"
    document["wasGeneratedBy"][f"_:g-{pair}"] = generated
    requester = _requester(run) if run else None
    if requester:
        document["wasAttributedTo"][f"_:t-{pair}"] = {
            "prov:entity": output,
            "prov:agent": requester[0],
        }


def _requester(run: dict) -> tuple[str, dict] | None:
    """The person the run was asked for: their user, or the named system actor."""
    if run["requested_by_id"] is not None:
        name = run["requested_by"].split(" (token ", 1)[0]
        return f"clearcut:user/{run['requested_by_id']}", {
            "prov:type": qname("prov:Person"),
            "prov:label": name,
        }
    if run["requested_by"]:
        return f"clearcut:actor/{_local(run['requested_by'])}", {
            "prov:type": qname("prov:SoftwareAgent"),
            "prov:label": run["requested_by"],
        }
    return None


def _associate(document: dict, activity: str, agent: str, role: str) -> None:
    document["wasAssociatedWith"][f"_:a-{activity.partition(':')[2]}-{role}"] = {
        "prov:activity": activity,
        "prov:agent": agent,
        "prov:role": qname(f"clearcut:{role}"),
    }


def _add_activity(document: dict, key, run: dict | None, models: dict) -> None:
    activity = node_id(*key)
    record = {"prov:type": qname(f"clearcut:{key[0]}")}
    document["activity"][activity] = record
    if run is None:
        return
    if run["started_at"]:
        record["prov:startTime"] = run["started_at"].isoformat()
    if run["finished_at"]:
        record["prov:endTime"] = run["finished_at"].isoformat()
    record["clearcut:status"] = run["status"]
    requester = _requester(run)
    if requester:
        document["agent"].setdefault(*requester)
        asked_by = requester[0]
        if run["token"]:
            token = f"clearcut:token/{run['token']['token_id']}"
            document["agent"].setdefault(
                token,
                {
                    "prov:type": qname("prov:SoftwareAgent"),
                    "prov:label": run["token"]["actor_name"],
                },
            )
            document["actedOnBehalfOf"][f"_:b-{activity.partition(':')[2]}"] = {
                "prov:delegate": token,
                "prov:responsible": asked_by,
                "prov:activity": activity,
            }
            asked_by = token
        _associate(document, activity, asked_by, "requester")
    if run["worker"]:
        worker = f"clearcut:worker/{_local(run['worker'])}"
        document["agent"].setdefault(
            worker,
            {
                "prov:type": qname("prov:SoftwareAgent"),
                "prov:label": run["worker"],
                "clearcut:device": run["device"],
            },
        )
        _associate(document, activity, worker, "worker")
    if run["model_version_id"]:
        model = node_id(LineageNode.MODEL_VERSION, run["model_version_id"])
        label = models.get(run["model_version_id"], {}).get("label", "")
        document["agent"].setdefault(
            model, {"prov:type": qname("prov:SoftwareAgent"), "prov:label": label}
        )
        _associate(document, activity, model, "model")
