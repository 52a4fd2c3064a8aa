"""A consent that spans two productions taints what it affected in both; each production's legal
staff see the cause and path in their own report, and each production's chain records the taint."""

import pytest

from assets.choices import LineageNode
from assets.models import Appearance
from editing.models import Adapter
from licensing.models import TaintRecord, TaintRun
from licensing.services import consent_revoke
from licensing.services.taint import taint_run_execute
from studio.models import AuditEvent
from tests.factories import MembershipFactory
from tests.taint.conftest import Footage


@pytest.fixture
def two_shows(footage, other_production):
    """Maya's likeness-training consent covers ALPHA and BRAVO; each show trained an adapter on her."""
    bravo = Footage(other_production)
    bravo.asset("plate")
    Appearance.objects.create(
        person=footage.consents["likeness_training"].person, asset=bravo.assets["plate"]
    )
    alpha_adapter = footage.adapters["house"]
    adapter = Adapter.objects.create(
        production=other_production,
        name="bravo look",
        model_version=alpha_adapter.model_version,
        weights_key="w2",
        weights_sha256="c" * 64,
    )
    bravo.edge((LineageNode.ADAPTER, adapter.pk), bravo.a("plate"), activity="training_run")
    bravo.adapters["look"] = adapter
    for consent in footage.consents.values():
        consent.productions.add(other_production)
        consent.person.productions.add(other_production)
    return footage, bravo


@pytest.fixture
def legal_of_both(member, production, other_production):
    user = member("legal", production)
    MembershipFactory(user=user, production=other_production, role="legal")
    return user


def _revoke_likeness_training(footage, actor):
    consent = footage.consents["likeness_training"]
    consent_revoke(actor=actor, consent=consent, reason="withdrawn")
    taint_run_execute(run_id=TaintRun.objects.get(cause_id=consent.pk).pk)


def test_each_node_is_tainted_in_its_own_production(
    two_shows, legal_of_both, production, other_production
):
    alpha, bravo = two_shows

    _revoke_likeness_training(alpha, legal_of_both)

    records = {
        (r.node_type, r.node_id): r.production_id
        for r in TaintRecord.objects.filter(node_type=LineageNode.ADAPTER)
    }
    assert records == {
        (LineageNode.ADAPTER, alpha.adapters["house"].pk): production.pk,
        (LineageNode.ADAPTER, bravo.adapters["look"].pk): other_production.pk,
    }


def test_the_taint_audit_lands_in_each_production_chain(
    two_shows, legal_of_both, production, other_production
):
    alpha, _ = two_shows

    _revoke_likeness_training(alpha, legal_of_both)

    def chains(action):
        return sorted(AuditEvent.objects.filter(action=action).values_list("chain", flat=True))

    expected = sorted([f"production:{production.pk}", f"production:{other_production.pk}"])
    assert chains("licensing.taint.started") == expected
    assert chains("licensing.taint.finished") == expected
    finished = AuditEvent.objects.get(
        action="licensing.taint.finished", chain=f"production:{other_production.pk}"
    )
    assert finished.after["affected"] == 1  # BRAVO's adapter


def test_legal_of_the_second_production_sees_cause_and_path(
    two_shows, legal_of_both, member, other_production, token_client
):
    alpha, bravo = two_shows
    _revoke_likeness_training(alpha, legal_of_both)
    bravo_legal = member("legal", other_production)
    client = token_client(bravo_legal, [other_production])

    rows = client.get("/api/v1/reports/tainted/").json()["rows"]

    [row] = [r for r in rows if r["node_type"] == "adapter"]
    assert (row["id"], row["production"]) == (bravo.adapters["look"].pk, "BRAVO")
    assert row["cause"] == "consent of Maya for likeness_training"
    assert "plate" in row["path"]
