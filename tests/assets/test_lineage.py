"""Lineage: edges recorded by the service, walks in one query whatever the shape, PROV-JSON export."""

import pytest

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
from studio.actors import SystemActor
from studio.models import AuditEvent

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
