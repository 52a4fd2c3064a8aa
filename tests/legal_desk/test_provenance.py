"""The provenance graph has a stable address per asset and per edit job, with its subject in focus."""

import shutil

import pytest

from assets.models import Derivation
from editing.models import EditJob
from legal.graph import FOCUS_FILL
from tests.taint.conftest import footage  # noqa: F401  (the taint world: raw1 → out1 → out2 → out3)

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


@pytest.fixture
def viewer(production, member, client):
    client.force_login(member("coordinator", production))
    return client


def test_an_asset_s_graph_fills_the_asset_it_is_about(viewer, footage):  # noqa: F811
    out2 = footage.assets["out2"]

    page = viewer.get(f"/legal/provenance/{out2.pk}/")

    assert page.status_code == 200
    assert page.context["focus"] == f"asset_{out2.pk}"
    svg = page.context["svg"]
    focus = svg[svg.index(f'id="asset_{out2.pk}"') :]
    assert FOCUS_FILL in focus[: focus.index("</g>")]


def test_an_edit_job_s_graph_is_drawn_around_its_output_with_the_job_in_focus(
    viewer,
    footage,  # noqa: F811
    production,
):
    job = EditJob.objects.create(
        production=production,
        requested_by="cora",
        operation="restyle",
        seed=1,
        territory="US",
        media="svod",
        output=footage.assets["out1"],
    )
    job.inputs.set([footage.assets["raw1"]])
    # The taint world's edge raw1 → out1 is edit job 1; here it is this job.
    Derivation.objects.filter(output_id=footage.assets["out1"].pk).update(activity_id=job.pk)

    page = viewer.get(f"/legal/provenance/job/{job.pk}/")

    assert page.status_code == 200
    assert page.context["asset"] == footage.assets["out1"]
    assert page.context["focus"] == f"edit_job_{job.pk}"
    assert f"Provenance of edit job #{job.pk}" in page.content.decode()


def test_a_job_out_of_reach_is_not_found(client, footage, other_production, member):  # noqa: F811
    client.force_login(member("coordinator", other_production))

    assert client.get("/legal/provenance/job/999999/").status_code == 404
