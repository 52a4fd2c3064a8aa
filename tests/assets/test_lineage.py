"""Lineage: edges recorded by the service, walks in one query whatever the shape, PROV export."""

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from drf_spectacular.generators import SchemaGenerator
from prov.identifier import QualifiedName
from prov.model import (
    PROV,
    ProvActivity,
    ProvAgent,
    ProvAssociation,
    ProvAttribution,
    ProvDelegation,
    ProvDocument,
    ProvGeneration,
    ProvUsage,
)
from pyld import jsonld

from assets import services
from assets.lineage import (
    Node,
    asset_ancestors,
    asset_descendants,
    asset_lineage_prov,
    lineage_ancestors,
    lineage_descendants,
)
from assets.models import Derivation
from editing.models import EditJob, ModelVersion, TrainingRun
from studio.actors import SystemActor
from studio.audit import audit_record
from studio.models import AuditEvent
from tests.factories import make_token

NS = "https://clearcut.invalid/ns#"
PROV_NS = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

EDITOR = SystemActor("lineage-test")


def derive(production, output, *inputs, activity=("edit_job", 1), role="parentOf"):
    """Record that asset ``output`` was made from the ``inputs`` (assets) by ``activity``."""
    return services.derivation_record(
        actor=EDITOR,
        production=production,
        output=("asset", output.pk),
        inputs=[("asset", i.pk, role) for i in inputs],
        activity=activity,
    )


def chain(production, asset_row, length: int) -> list:
    """Assets a0 -> a1 -> ... -> a<length>, each made from the one before by its own edit job."""
    assets = [asset_row(production) for _ in range(length + 1)]
    for n, (parent, child) in enumerate(zip(assets, assets[1:], strict=False), start=1):
        derive(production, child, parent, activity=("edit_job", n))
    return assets


def asset_nodes(assets, first_depth=1) -> list[Node]:
    return [Node("asset", a.pk, d) for d, a in enumerate(assets, start=first_depth)]


def test_three_generations_are_walked_both_ways(production, asset_row):
    footage, cut, grade, final = chain(production, asset_row, 3)

    assert asset_descendants([footage]) == asset_nodes([cut, grade, final])
    assert asset_ancestors(final) == asset_nodes([grade, cut, footage])
    assert asset_ancestors(footage) == []
    assert asset_descendants([final]) == []


def test_a_walk_stops_at_max_depth(production, asset_row):
    footage, cut, grade, _ = chain(production, asset_row, 3)

    assert asset_descendants([footage], max_depth=2) == asset_nodes([cut, grade])


def test_the_graph_runs_through_an_adapter_trained_on_footage(production, asset_row):
    footage, output = asset_row(production), asset_row(production)
    services.derivation_record(
        actor=EDITOR,
        production=production,
        output=("adapter", 7),
        inputs=[("asset", footage.pk, "training")],
        activity=("training_run", 3),
    )
    services.derivation_record(
        actor=EDITOR,
        production=production,
        output=("asset", output.pk),
        inputs=[("adapter", 7, "model")],
        activity=("edit_job", 9),
    )

    assert asset_descendants([footage]) == [Node("adapter", 7, 1), Node("asset", output.pk, 2)]
    assert asset_ancestors(output) == [Node("adapter", 7, 1), Node("asset", footage.pk, 2)]
    assert lineage_descendants([("adapter", 7)]) == [Node("asset", output.pk, 1)]
    assert lineage_ancestors([("adapter", 7)]) == [Node("asset", footage.pk, 1)]


def test_a_node_reached_twice_is_listed_once_at_its_nearest_depth(production, asset_row):
    footage, cut, composite = (asset_row(production) for _ in range(3))
    derive(production, cut, footage, activity=("edit_job", 1))
    derive(production, composite, cut, footage, activity=("edit_job", 2))

    assert asset_descendants([footage]) == [
        Node("asset", cut.pk, 1),
        Node("asset", composite.pk, 1),
    ]
    assert asset_ancestors(composite) == [
        Node("asset", footage.pk, 1),
        Node("asset", cut.pk, 1),
    ]


def test_a_cycle_does_not_run_forever(production, asset_row):
    first, second = asset_row(production), asset_row(production)
    derive(production, second, first, activity=("edit_job", 1))
    derive(production, first, second, activity=("edit_job", 2))

    assert asset_descendants([first]) == [Node("asset", second.pk, 1), Node("asset", first.pk, 2)]


def test_recording_an_edge_is_idempotent_and_audited(production, asset_row):
    footage, cut = asset_row(production), asset_row(production)

    derive(production, cut, footage, activity=("edit_job", 4))
    derive(production, cut, footage, activity=("edit_job", 4))

    assert Derivation.objects.count() == 1
    events = AuditEvent.objects.filter(action="assets.lineage.recorded")
    assert [(e.actor_name, e.target_type, e.target_id) for e in events] == [
        ("system:lineage-test", "asset", str(cut.pk))
    ] * 2


def test_recording_an_edge_without_an_activity_id_is_idempotent_too(production, asset_row):
    footage, copy = asset_row(production), asset_row(production)

    derive(production, copy, footage, activity=("import", None))
    derive(production, copy, footage, activity=("import", None))

    assert Derivation.objects.count() == 1


@pytest.mark.parametrize("length", [2, 20])
def test_a_walk_is_one_query_at_any_depth(production, asset_row, django_assert_num_queries, length):
    assets = chain(production, asset_row, length)

    with django_assert_num_queries(1):
        below = asset_descendants([assets[0]])
    with django_assert_num_queries(1):
        above = asset_ancestors(assets[-1])

    assert [n.depth for n in below] == list(range(1, length + 1))
    assert above[-1] == Node("asset", assets[0].pk, length)


@pytest.mark.parametrize("width", [1, 50])
def test_a_walk_is_one_query_at_any_width(production, asset_row, django_assert_num_queries, width):
    footage = asset_row(production)
    children = [asset_row(production) for _ in range(width)]
    for n, child in enumerate(children, start=1):
        derive(production, child, footage, activity=("edit_job", n))
    montage = asset_row(production)
    derive(production, montage, *children, activity=("edit_job", 0))

    with django_assert_num_queries(1):
        below = asset_descendants([footage])
    with django_assert_num_queries(1):
        above = asset_ancestors(montage)

    assert below == [Node("asset", c.pk, 1) for c in children] + [Node("asset", montage.pk, 2)]
    assert above == [Node("asset", c.pk, 1) for c in children] + [Node("asset", footage.pk, 2)]


def test_asset_descendants_of_several_seeds_is_one_query(
    production, asset_row, django_assert_num_queries
):
    first, second = chain(production, asset_row, 1), chain(production, asset_row, 1)

    with django_assert_num_queries(1):
        found = asset_descendants([first[0], second[0]])

    assert {n.id for n in found} == {first[1].pk, second[1].pk}


@pytest.fixture
def graded(production, asset_row):
    """footage -> cut (edit_job 1) -> grade (edit_job 2), plus an unrelated sibling of cut."""
    footage, cut, grade = chain(production, asset_row, 2)
    sibling = asset_row(production)
    derive(production, sibling, footage, activity=("edit_job", 5))
    return footage, cut, grade, sibling


def test_the_prov_document_names_entities_edges_and_activities(graded):
    footage, cut, grade, _ = graded

    prov = asset_lineage_prov(cut)

    assert set(prov["entity"]) == {f"clearcut:asset/{a.pk}" for a in (footage, cut, grade)}
    entity = prov["entity"][f"clearcut:asset/{footage.pk}"]
    assert (entity["prov:label"], entity["clearcut:sha256"]) == (
        footage.original_filename,
        footage.sha256,
    )
    derived = {
        (d["prov:generatedEntity"], d["prov:usedEntity"]) for d in prov["wasDerivedFrom"].values()
    }
    assert derived == {
        (f"clearcut:asset/{cut.pk}", f"clearcut:asset/{footage.pk}"),
        (f"clearcut:asset/{grade.pk}", f"clearcut:asset/{cut.pk}"),
    }
    assert set(prov["activity"]) == {"clearcut:edit_job/1", "clearcut:edit_job/2"}
    used = {(u["prov:activity"], u["prov:entity"]) for u in prov["used"].values()}
    assert used == {
        ("clearcut:edit_job/1", f"clearcut:asset/{footage.pk}"),
        ("clearcut:edit_job/2", f"clearcut:asset/{cut.pk}"),
    }
    generated = {(g["prov:entity"], g["prov:activity"]) for g in prov["wasGeneratedBy"].values()}
    assert generated == {
        (f"clearcut:asset/{cut.pk}", "clearcut:edit_job/1"),
        (f"clearcut:asset/{grade.pk}", "clearcut:edit_job/2"),
    }


def test_the_api_serves_the_prov_document(api, production, member, graded):
    _, cut, _, _ = graded
    api.force_login(member("viewer", production))

    response = api.get(f"/api/v1/assets/{cut.pk}/lineage/")

    assert response.status_code == 200
    assert response.json() == asset_lineage_prov(cut)


def test_the_api_does_not_reveal_footage_of_another_production(
    api, production, other_production, member, asset_row
):
    ours = asset_row(production, original_filename="ours.mov")
    theirs = asset_row(other_production, original_filename="secret-reshoot.mov")
    derive(other_production, theirs, ours, activity=("edit_job", 1))
    api.force_login(member("coordinator", production))

    response = api.get(f"/api/v1/assets/{ours.pk}/lineage/")

    assert response.status_code == 200
    assert "secret-reshoot.mov" not in response.content.decode()
    assert theirs.sha256 not in response.content.decode()


# --- W3C PROV: agents, times, relations, read by the prov package ---------------------------------

T0 = dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC)


@dataclass
class Made:
    footage: object
    output: object
    model: object
    run: object
    job: object
    user: object
    token: object


@pytest.fixture
def edited_and_trained(production, asset_row, member) -> Made:
    """An adapter (77) trained on footage by a training run a coordinator asked for, then an edit
    of the footage with that adapter, asked for through the coordinator's API token."""
    user = member("coordinator", production)
    token, _ = make_token(user, [production], can_write=True, name="mam")
    model = ModelVersion.objects.create(
        family="tiny-sd",
        version="1.0",
        task="inpaint",
        location="/models/tiny",
        weights_sha256="a" * 64,
        registered_by="admin",
    )
    footage, output = asset_row(production), asset_row(production)
    common = {"production": production, "model_version": model, "territory": "US", "media": "svod"}
    run = TrainingRun.objects.create(
        **common,
        name="lora-a",
        seed=1,
        requested_by=user.username,
        requested_by_id=user.pk,
        worker="gpu-1@render:4242",
        device="cuda:0",
        status="succeeded",
        started_at=T0,
        finished_at=T0 + dt.timedelta(hours=1),
    )
    services.derivation_record(
        actor=EDITOR,
        production=production,
        output=("adapter", 77),
        inputs=[("asset", footage.pk, "training"), ("model_version", model.pk, "base_model")],
        activity=("training_run", run.pk),
    )
    job = EditJob.objects.create(
        **common,
        operation="inpaint",
        seed=2,
        requested_by=f"{user.username} (token mam)",
        requested_by_id=user.pk,
        worker="gpu-2@render:7",
        device="cuda:1",
        status="succeeded",
        started_at=T0 + dt.timedelta(hours=2),
        finished_at=T0 + dt.timedelta(hours=2, minutes=5),
    )
    audit_record(actor=token, action="editing.job.queued", production=production, target=job)
    services.derivation_record(
        actor=EDITOR,
        production=production,
        output=("asset", output.pk),
        inputs=[
            ("asset", footage.pk, "parentOf"),
            ("model_version", model.pk, "model"),
            ("adapter", 77, "adapter"),
        ],
        activity=("edit_job", job.pk),
    )
    return Made(footage, output, model, run, job, user, token)


def _load(document: dict) -> ProvDocument:
    return ProvDocument.deserialize(content=json.dumps(document), format="json")


def _relations(prov: ProvDocument, kind, *names) -> set[tuple]:
    found = set()
    for record in prov.get_records(kind):
        values = dict(record.attributes)
        found.add(tuple(str(values.get(PROV[n])) for n in names))
    return found


def test_every_export_loads_with_the_prov_package(graded, edited_and_trained):
    made = edited_and_trained
    for asset in (*graded, made.footage, made.output):
        prov = _load(asset_lineage_prov(asset))
        assert prov.get_records()
        for record in prov.get_records():
            for name, value in record.attributes:
                if name == PROV["type"]:
                    assert isinstance(value, QualifiedName), (record, value)


def test_an_edit_names_who_asked_the_worker_and_the_model(edited_and_trained):
    made = edited_and_trained
    prov = _load(asset_lineage_prov(made.output))
    job, user = f"clearcut:edit_job/{made.job.pk}", f"clearcut:user/{made.user.pk}"
    token, model = f"clearcut:token/{made.token.pk}", f"clearcut:model_version/{made.model.pk}"
    worker = "clearcut:worker/gpu-2%40render%3A7"

    assert _relations(prov, ProvAssociation, "activity", "agent", "role") >= {
        (job, token, "clearcut:requester"),
        (job, worker, "clearcut:worker"),
        (job, model, "clearcut:model"),
    }
    assert _relations(prov, ProvDelegation, "delegate", "responsible", "activity") == {
        (token, user, job)
    }
    assert (f"clearcut:asset/{made.output.pk}", user) in _relations(
        prov, ProvAttribution, "entity", "agent"
    )
    agents = {
        str(a.identifier): {str(t) for t in a.get_asserted_types()}
        for a in prov.get_records(ProvAgent)
    }
    assert agents[user] == {"prov:Person"}
    assert agents[token] == agents[worker] == agents[model] == {"prov:SoftwareAgent"}
    [activity] = [a for a in prov.get_records(ProvActivity) if str(a.identifier) == job]
    assert (activity.get_startTime(), activity.get_endTime()) == (
        made.job.started_at,
        made.job.finished_at,
    )


def test_a_training_run_names_who_asked_the_worker_and_the_base_model(edited_and_trained):
    made = edited_and_trained
    prov = _load(asset_lineage_prov(made.footage))
    run, user = f"clearcut:training_run/{made.run.pk}", f"clearcut:user/{made.user.pk}"
    model = f"clearcut:model_version/{made.model.pk}"

    assert _relations(prov, ProvAssociation, "activity", "agent", "role") >= {
        (run, user, "clearcut:requester"),
        (run, "clearcut:worker/gpu-1%40render%3A4242", "clearcut:worker"),
        (run, model, "clearcut:model"),
    }
    assert ("clearcut:adapter/77", user) in _relations(prov, ProvAttribution, "entity", "agent")
    assert ("clearcut:adapter/77", run) in _relations(prov, ProvGeneration, "entity", "activity")
    assert (run, f"clearcut:asset/{made.footage.pk}") in _relations(
        prov, ProvUsage, "activity", "entity"
    )
    [activity] = [a for a in prov.get_records(ProvActivity) if str(a.identifier) == run]
    assert (activity.get_startTime(), activity.get_endTime()) == (T0, T0 + dt.timedelta(hours=1))


def test_the_lineage_is_prov_o_json_ld_when_asked(api, production, member, edited_and_trained):
    made = edited_and_trained
    api.force_login(member("viewer", production))

    response = api.get(
        f"/api/v1/assets/{made.output.pk}/lineage/", HTTP_ACCEPT="application/ld+json"
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    found = {
        (q["subject"]["value"], q["predicate"]["value"], q["object"]["value"])
        for q in jsonld.to_rdf(response.json())["@default"]
    }
    job = f"{NS}edit_job/{made.job.pk}"
    assert (job, f"{PROV_NS}wasAssociatedWith", f"{NS}token/{made.token.pk}") in found
    assert (job, f"{PROV_NS}startedAtTime", made.job.started_at.isoformat()) in found
    assert (job, f"{PROV_NS}endedAtTime", made.job.finished_at.isoformat()) in found
    assert (
        f"{NS}asset/{made.output.pk}",
        f"{PROV_NS}wasAttributedTo",
        f"{NS}user/{made.user.pk}",
    ) in found
    assert (job, RDF_TYPE, f"{PROV_NS}Activity") in found
    plain = api.get(f"/api/v1/assets/{made.output.pk}/lineage/")
    assert plain["Content-Type"].startswith("application/json")
    assert plain.json() == asset_lineage_prov(made.output)


@pytest.mark.parametrize("edits", [1, 12])
def test_the_prov_export_takes_the_same_queries_however_many_runs(
    production, asset_row, edited_and_trained, django_assert_num_queries, edits
):
    """Walks, edges, assets, then one query per kind of run, the models and the requests' audit
    rows: eight, whatever the number of edits and agents."""
    made = edited_and_trained
    for n in range(edits - 1):
        job = EditJob.objects.create(
            production=production,
            operation="regrain",
            seed=n,
            territory="US",
            media="svod",
            requested_by="someone",
            requested_by_id=made.user.pk,
            worker=f"cpu-{n}@render:1",
        )
        derive(production, asset_row(production), made.output, activity=("edit_job", job.pk))

    with django_assert_num_queries(8):
        document = asset_lineage_prov(made.output)

    assert len(document["activity"]) == edits + 1


def test_openapi_offers_the_lineage_as_json_ld():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/assets/{id}/lineage/"]["get"]
    assert {"application/json", "application/ld+json"} <= set(
        operation["responses"]["200"]["content"]
    )
