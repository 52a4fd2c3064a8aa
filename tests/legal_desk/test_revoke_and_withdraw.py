"""Revoking a consent shows what it will taint first; tainted outputs are withdrawn in bulk."""

import pytest
from django.urls import reverse

from assets.choices import AssetStatus
from licensing.models import Revocation, TaintRun
from licensing.services import consent_revoke
from licensing.services.taint import affected_nodes, taint_run_execute
from studio.models import AuditEvent
from tests.taint.conftest import footage  # noqa: F401  (the taint world: Maya in raw1, three edits)

CONSENTS = "/admin/licensing/consent/"


@pytest.fixture
def legal_in(production, member, client):
    user = member("legal", production, username="lee-legal")
    client.force_login(user)
    return client


def test_the_revoke_page_previews_what_the_taint_run_will_mark(legal_in, footage):  # noqa: F811
    consent = footage.consents["digital_alteration"]

    page = legal_in.post(CONSENTS, {"action": "revoke", "_selected_action": [consent.pk]})

    [(shown, preview)] = page.context["previews"]
    expected = [node for node, _, _ in affected_nodes("consent", consent.pk)]
    assert shown == consent
    assert preview.counts == {"asset": 3}
    assert [(kind, pk) for kind, pk, _ in preview.first] == [tuple(n) for n in expected]
    assert [label for _, _, label in preview.first] == ["out1", "out2", "out3"]
    assert b"What the revocation will taint" in page.content
    assert not Revocation.objects.exists()


def test_the_likeness_training_preview_counts_the_adapter_and_its_outputs(legal_in, footage):  # noqa: F811
    consent = footage.consents["likeness_training"]

    page = legal_in.post(CONSENTS, {"action": "revoke", "_selected_action": [consent.pk]})

    [(_, preview)] = page.context["previews"]
    assert preview.counts == {"adapter": 1, "asset": 1}


def test_after_revoking_a_message_says_what_is_tainted_and_links_the_report(
    legal_in,
    footage,  # noqa: F811
    broker,
    django_capture_on_commit_callbacks,
):
    consent = footage.consents["digital_alteration"]

    with django_capture_on_commit_callbacks(execute=True):
        done = legal_in.post(
            CONSENTS,
            {
                "action": "revoke",
                "_selected_action": [consent.pk],
                "confirm": "yes",
                "reason": "Letter of 3 May",
            },
            follow=True,
        )

    messages = [str(m) for m in done.context["messages"]]
    assert len(messages) == 1
    assert "Revoked 1 consent(s). Tainting 3 assets that relied on them." in messages[0]
    assert reverse("legal-report", args=["tainted"]) in messages[0]
    assert broker.by_task["licensing.propagate_taint"]


@pytest.fixture
def tainted_outputs(footage, broker, production, member):  # noqa: F811
    actor = member("legal", production, username="lena")
    consent_revoke(actor=actor, consent=footage.consents["digital_alteration"], reason="letter")
    taint_run_execute(run_id=TaintRun.objects.get().pk)
    return footage


def test_the_withdraw_page_lists_the_tainted_outputs(legal_in, tainted_outputs):
    page = legal_in.get(reverse("legal-withdraw"))

    names = [row["asset"].original_filename for row in page.context["rows"]]
    assert names == ["out1", "out2", "out3"]
    assert all(row["checked"] for row in page.context["rows"])
    assert page.context["clean"] == []


def test_withdrawing_tainted_outputs_needs_only_a_reason(legal_in, tainted_outputs):
    ids = [tainted_outputs.assets[n].pk for n in ("out1", "out2")]

    done = legal_in.post(reverse("legal-withdraw"), {"asset": ids, "reason": "Pulled"})

    assert done.status_code == 302
    assert done["Location"] == reverse("legal-report", args=["tainted"])
    statuses = {a.original_filename: a.status for a in tainted_outputs.assets.values()}
    for name in ("out1", "out2"):
        tainted_outputs.assets[name].refresh_from_db()
        assert tainted_outputs.assets[name].status == AssetStatus.WITHDRAWN
    assert statuses  # the rest untouched
    events = AuditEvent.objects.filter(action="assets.asset.withdrawn")
    assert sorted(int(e.target_id) for e in events) == sorted(ids)
    assert {e.actor_name for e in events} == {"lee-legal"}


def test_withdrawing_clean_footage_needs_an_override_reason(legal_in, tainted_outputs):
    raw = tainted_outputs.assets["raw2"]
    url = f"{reverse('legal-withdraw')}?asset={raw.pk}"

    page = legal_in.get(url)
    assert [a.original_filename for a in page.context["clean"]] == ["raw2"]
    refused = legal_in.post(url, {"asset": [raw.pk], "reason": "Pulled"})
    assert refused.status_code == 200
    assert "override reason" in refused.content.decode()
    raw.refresh_from_db()
    assert raw.status == AssetStatus.ACTIVE

    done = legal_in.post(
        url, {"asset": [raw.pk], "reason": "Pulled", "override_reason": "Court order"}
    )

    assert done.status_code == 302
    raw.refresh_from_db()
    assert raw.status == AssetStatus.WITHDRAWN
    event = AuditEvent.objects.get(action="assets.asset.withdrawn")
    assert event.after["override_reason"] == "Court order"


def test_the_asset_list_action_leads_to_the_withdraw_page(legal_in, tainted_outputs):
    ids = [tainted_outputs.assets["out1"].pk]

    response = legal_in.post(
        "/admin/assets/asset/", {"action": "withdraw_assets", "_selected_action": ids}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('legal-withdraw')}?asset={ids[0]}"


def test_the_tainted_report_links_to_the_withdraw_page(legal_in, tainted_outputs):
    page = legal_in.get(reverse("legal-report", args=["tainted"]))

    ids = sorted(tainted_outputs.assets[n].pk for n in ("out1", "out2", "out3"))
    assert page.context["withdraw_url"] == reverse("legal-withdraw") + "?" + "&".join(
        f"asset={pk}" for pk in ids
    )
