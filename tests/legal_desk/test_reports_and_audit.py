"""Impact pickers by name, CSV files for spreadsheets, the audit trail verified and exported, history
pages from the audit trail, and API docs that load nothing from the internet."""

import csv
import io
import re

import pytest
from django.db import connection
from django.urls import reverse

from assets.models import Person
from licensing.services import consent_create
from studio.audit_checkpoints import audit_checkpoint_write
from studio.models import AuditEvent
from tests.audit_tamper import rewrite_tail
from tests.licensing.world import T0

BOM = "\ufeff".encode()


def test_the_impact_form_has_a_search_field_per_subject(legal_client, world):
    page = legal_client.get(reverse("legal-report", args=["impact"]))

    html = page.content.decode()
    for name in ("person", "asset", "adapter", "license"):
        assert f'name="{name}_name" id="id_{name}"' in html
        assert f'data-search-url="/legal/pick/{name}/"' in html
    assert "<select" not in html
    assert "foreign" not in html


def _pick(client, kind, q):
    return client.get(reverse("legal-pick", args=[kind]), {"q": q})


def test_the_picker_finds_names_in_the_user_s_productions_only(legal_client, world):
    bravo_only = Person.objects.create(name="Mayall")
    bravo_only.productions.set([world.other])
    world.license("L-STOCK")

    people = _pick(legal_client, "person", "ma").json()["results"]
    assets = _pick(legal_client, "asset", "fore").json()["results"]
    found = _pick(legal_client, "asset", "A").json()
    licenses = _pick(legal_client, "license", "stock").json()["results"]

    assert people == [{"id": world.people["maya"].pk, "label": "Maya"}]
    assert assets == []
    assert found == {"q": ["Type at least 2 characters."]}
    assert licenses == [{"id": world.licenses["L-STOCK"].pk, "label": "L-STOCK — L-STOCK"}]


def test_the_picker_lists_at_most_twenty_names_starting_with_the_query_first(legal_client, world):
    for i in range(30):
        Person.objects.create(name=f"Extra {i:02}").productions.set([world.production])
    Person.objects.create(name="Rex Tra").productions.set([world.production])

    results = _pick(legal_client, "person", "ex").json()["results"]

    assert len(results) == 20
    assert results[0]["label"] == "Extra 00"
    assert "Rex Tra" not in [r["label"] for r in results]


def test_the_picker_is_closed_to_coordinators(coordinator_client, world):
    assert _pick(coordinator_client, "person", "ma").status_code == 403


def test_the_picker_knows_only_report_subjects(legal_client, world):
    assert _pick(legal_client, "production", "al").status_code == 404


@pytest.mark.parametrize(
    ("typed", "label"), [("maya", "Maya"), ("a1 · ALPHA", "a1 · ALPHA"), ("a1", "a1 · ALPHA")]
)
def test_a_full_name_typed_without_picking_shows_its_report(legal_client, world, typed, label):
    kind = "person" if label == "Maya" else "asset"

    page = legal_client.get(reverse("legal-report", args=["impact"]), {f"{kind}_name": typed})

    assert page.status_code == 200
    assert page.context["report"] is not None
    fields = {f["name"]: f for f in page.context["fields"]}
    assert fields[kind]["text"] == label


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Nobody", "No person is named “Nobody”."),
        ("Twin", "2 people are named “Twin”; pick one from the list."),
        ("Mayall", "No person is named “Mayall”."),
        ("x" * 201, "A person name is at most 200 characters."),
    ],
)
def test_a_typed_name_that_is_not_exactly_one_person_is_a_400_naming_the_field(
    legal_client, world, typed, message
):
    for _ in range(2):
        Person.objects.create(name="Twin").productions.set([world.production])
    Person.objects.create(name="Mayall").productions.set([world.other])

    page = legal_client.get(reverse("legal-report", args=["impact"]), {"person_name": typed})

    assert page.status_code == 400
    assert page.context["errors"] == [("person", message)]
    assert page.context["report"] is None


def test_picking_a_person_shows_rows_that_link_to_their_pages(legal_client, world):
    from tests.licensing.world import appears

    appears(world, "maya", "a1")

    page = legal_client.get(
        reverse("legal-report", args=["impact"]), {"person": world.people["maya"].pk}
    )

    labels = {cells[2].text: cells[2].url for cells in page.context["table"]}
    a1 = world.assets["a1"].pk
    assert labels["a1"] == f"/admin/assets/asset/{a1}/change/"
    assert labels["out1"] == f"/admin/assets/asset/{world.assets['out1'].pk}/change/"


def test_a_csv_starts_with_a_bom_and_an_empty_report_is_its_header_row(legal_client):
    response = legal_client.get(reverse("legal-report", args=["tainted"]), {"format": "csv"})

    assert response.status_code == 200
    assert response.content.startswith(BOM)
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines == [
        ["node_type", "id", "label", "production", "status", "cause", "reason"] + ["since", "path"]
    ]


@pytest.fixture
def trail(world, legal):
    """Two audited consents in ALPHA: a chain of a few events."""
    for person in ("maya", "leo"):
        consent_create(
            actor=legal,
            person=world.people[person],
            productions=[world.production],
            scope="voice",
            description="ADR",
            valid_from=T0,
            signed_by=person,
            signed_at=T0,
            guardian_signature=person == "leo",
        )
    return AuditEvent.objects.filter(production=world.production).order_by("seq")


def _tamper(event):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE studio_auditevent DISABLE TRIGGER studio_auditevent_append_only"
            )
    AuditEvent.objects.filter(pk=event.pk).update(actor_name="mallory")


def test_the_audit_list_shows_seconds_sequence_and_a_short_hash(legal_client, trail):
    page = legal_client.get(reverse("admin:studio_auditevent_changelist"))

    body = page.content.decode()
    first = trail.first()
    assert f"{first.hash[:8]}…" in body
    assert re.search(r"\d{4}-\d\d-\d\d</span><br><span class=\"nowrap\">\d\d:\d\d:\d\d", body)
    assert 'id="verify-chain"' in body
    assert 'id="export-csv"' in body


def test_the_audit_csv_is_the_filtered_list(legal_client, trail):
    url = reverse("admin:studio_auditevent_export")

    response = legal_client.get(url, {"action_prefix": "licensing.consent"})

    content = b"".join(response.streaming_content)
    assert content.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["licensing.consent.recorded"] * 2
    assert [r["seq"] for r in rows] == [
        str(e.seq) for e in trail.filter(action__startswith="licensing.consent")
    ]


def test_verify_chain_reports_an_intact_chain(legal_client, trail):
    page = legal_client.get(reverse("admin:studio_auditevent_verify"))

    assert page.status_code == 200
    assert page.context["ok"]
    assert "Audit chain intact: 2 events in 1 chain" in page.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_verify_chain_names_a_tampered_event(legal_client, trail):
    victim = trail.first()
    _tamper(victim)

    page = legal_client.get(reverse("admin:studio_auditevent_verify"))

    assert not page.context["ok"]
    body = page.content.decode()
    assert "Audit chain broken" in body
    assert f"event id={victim.pk}" in body


def test_coordinators_cannot_verify_the_chain(coordinator_client, trail):
    page = coordinator_client.get(reverse("admin:studio_auditevent_verify"))

    assert page.status_code == 403


VERIFY = "/api/v1/audit-events/verify/"


def test_the_verify_api_answers_legal_staff(api, legal, trail, world, checkpoint_store):
    checkpoint = audit_checkpoint_write()
    api.force_authenticate(legal)

    response = api.post(VERIFY, {"production": "ALPHA"}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "events": 2,
        "first_problem": None,
        "chains": [
            {
                "chain": f"production:{world.production.pk}",
                "production": "ALPHA",
                "ok": True,
                "events": 2,
                "problems": [],
            }
        ],
        "checkpoint": {"ok": True, "latest": checkpoint, "problems": []},
    }


def test_the_verify_api_says_when_there_is_no_checkpoint_to_compare(
    api, legal, trail, checkpoint_store
):
    api.force_authenticate(legal)

    body = api.post(VERIFY, {"production": "ALPHA"}, format="json").json()

    assert body["ok"] is True
    assert body["checkpoint"]["ok"] is None
    assert body["checkpoint"]["problems"] == [
        "The audit checkpoint store does not exist yet (AUDIT_CHECKPOINT_DIR)."
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_verify_reports_a_tail_rewritten_since_the_last_checkpoint(
    api, legal, legal_client, trail, world, checkpoint_store
):
    audit_checkpoint_write()
    rewrite_tail(f"production:{world.production.pk}", first_seq=2)
    api.force_authenticate(legal)

    body = api.post(VERIFY, {"production": "ALPHA"}, format="json").json()
    page = legal_client.get(reverse("admin:studio_auditevent_verify")).content.decode()

    assert body["ok"] is False
    assert body["chains"][0]["ok"] is True
    assert f"chain production:{world.production.pk}, seq 2:" in body["first_problem"]
    assert body["checkpoint"]["ok"] is False
    assert "Audit chain broken" in page
    assert f"chain production:{world.production.pk}, seq 2:" in page


def test_the_verify_api_refuses_coordinators(api, coordinator, trail):
    api.force_authenticate(coordinator)

    assert api.post(VERIFY, {}, format="json").status_code == 403
    assert api.post(VERIFY, {"production": "ALPHA"}, format="json").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_verify_api_reports_a_tampered_chain(api, legal, trail):
    victim = trail.last()
    _tamper(victim)
    api.force_authenticate(legal)

    body = api.post(VERIFY, {}, format="json").json()

    assert body["ok"] is False
    assert f"event id={victim.pk}" in body["first_problem"]


def test_a_history_page_lists_the_object_s_audit_events(legal_client, trail, world):
    consent = world.people["maya"].consents.get()

    page = legal_client.get(reverse("admin:licensing_consent_history", args=[consent.pk]))

    body = page.content.decode()
    assert 'id="audit-history"' in body
    assert "licensing.consent.recorded" in body
    assert "lee-legal" in body
    assert body.count("licensing.consent.recorded") == 1


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_load_nothing_from_another_host(client, url):
    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert not re.findall(r"https?://(?!testserver)[^\s\"'<>]+", html)
    sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert sources
    assert all(s.startswith("/") for s in sources), sources


def test_the_schema_offers_bearer_tokens_only(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert list(schema["components"]["securitySchemes"]) == ["apiToken"]
    verify = schema["paths"]["/api/v1/audit-events/verify/"]["post"]
    assert verify["tags"] == ["Audit events"]
    assert verify["summary"] == "Verify the audit hash chains"
