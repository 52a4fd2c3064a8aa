"""The provenance graph page draws the asset's lineage and the rights relied on, as SVG."""

import shutil

import pytest

from licensing.models import GateEvaluation
from licensing.services.taint import taint_propagate, taint_run_execute
from studio.actors import SystemActor

pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (dot) is not installed"
)


@pytest.fixture
def legal_client(client, footage, production, member):
    user = member("legal", production)
    client.force_login(user)
    return client


def test_the_graph_shows_ancestors_descendants_and_rights_relied_on(
    legal_client, footage, production
):
    GateEvaluation.objects.create(
        production=production,
        action="ai_edit",
        request={},
        allowed=True,
        rule_version="t",
        subject_type="editing.editjob",
        subject_id="2",
        evaluated_by="t",
        reasons=[
            {
                "code": "grant",
                "blocking": False,
                "message": "m",
                "refs": {"license_id": footage.license.pk},
            },
            {
                "code": "consent",
                "blocking": False,
                "message": "m",
                "refs": {"consent": footage.consents["digital_alteration"].pk},
            },
        ],
    )
    out2 = footage.assets["out2"]

    response = legal_client.get(f"/legal/provenance/{out2.pk}.svg")

    svg = response.content.decode()
    assert response["Content-Type"] == "image/svg+xml"
    for node in (f"asset_{footage.assets[n].pk}" for n in ("raw1", "out1", "out2", "out3")):
        assert f'id="{node}"' in svg
    assert 'id="edit_job_2"' in svg
    assert f'id="license_{footage.license.pk}"' in svg
    assert f'id="consent_{footage.consents["digital_alteration"].pk}"' in svg
    assert f'id="asset_{footage.assets["raw2"].pk}"' not in svg  # not in this asset's lineage
    assert f"/admin/assets/asset/{out2.pk}/change/" in svg


def test_tainted_nodes_are_marked(legal_client, footage):
    run = taint_propagate(
        actor=SystemActor("t"), cause_type="license", cause_id=footage.license.pk, reason="x"
    )
    taint_run_execute(run_id=run.pk)

    page = legal_client.get(f"/legal/provenance/{footage.assets['out1'].pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "tainted" in html
    assert "#c62828" in html  # drawn in the taint colour


def test_another_productions_asset_is_not_found(client, footage, other_production, member):
    client.force_login(member("legal", other_production))

    assert client.get(f"/legal/provenance/{footage.assets['out1'].pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, footage):
    response = client.get(f"/legal/provenance/{footage.assets['out1'].pk}/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
