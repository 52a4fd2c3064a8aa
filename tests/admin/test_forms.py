"""Crafted admin POSTs: decision fields are ignored, service refusals come back as form errors."""

import pytest

from assets.models import Asset
from licensing.choices import ClearanceStatus
from licensing.models import ClearanceRequest, License
from studio.models import AuditEvent

ADD_REQUEST = "/admin/licensing/clearancerequest/add/"


@pytest.fixture
def legal(production, member):
    return member("legal", production, username="lee-legal")


def request_form(rows, **extra):
    return {
        "production": rows.production.pk,
        "assets": [rows.asset.pk],
        "action": "ai_edit",
        "territory": "US",
        "media": "svod",
        "language": "",
        "use_from_0": "2027-01-01",
        "use_from_1": "00:00:00",
        "use_until_0": "",
        "use_until_1": "",
        "purpose": "Trailer cut",
        **extra,
    }


def test_a_forged_approved_request_is_created_pending_by_the_signed_in_user(
    client, rows, coordinator, legal, superuser
):
    client.force_login(coordinator)
    last = AuditEvent.objects.latest("pk").pk

    response = client.post(
        ADD_REQUEST,
        request_form(
            rows,
            status="approved",
            decided_by=legal.username,
            decided_at_0="2027-01-01",
            decided_at_1="00:00:00",
            decision_notes="fine by me",
            requested_by=superuser.username,
            requested_by_id=superuser.pk,
        ),
    )

    assert response.status_code == 302
    created = ClearanceRequest.objects.get(purpose="Trailer cut")
    assert created.status == ClearanceStatus.PENDING
    assert (created.requested_by, created.requested_by_id) == (coordinator.username, coordinator.pk)
    assert (created.decided_by, created.decided_at, created.decision_notes) == ("", None, "")
    assert created.created_grant_id is None
    assert list(created.assets.all()) == [rows.asset]
    events = AuditEvent.objects.filter(pk__gt=last).order_by("pk")
    assert [(e.action, e.actor_name, e.target_id) for e in events] == [
        ("licensing.clearance.requested", coordinator.username, str(created.pk))
    ]


def test_the_request_form_asks_only_for_the_request(client, rows, coordinator):
    client.force_login(coordinator)

    html = client.get(ADD_REQUEST).content.decode()

    for field in ("production", "assets", "action", "territory", "purpose"):
        assert f'name="{field}"' in html
    for field in ("status", "requested_by", "decided_by", "decision_notes", "created_grant"):
        assert f'name="{field}"' not in html


def test_a_request_is_decided_elsewhere_not_on_its_page(client, rows, legal):
    pending = rows.of[ClearanceRequest]
    client.force_login(legal)

    page = client.get(f"/admin/licensing/clearancerequest/{pending.pk}/change/")
    post = client.post(
        f"/admin/licensing/clearancerequest/{pending.pk}/change/",
        {"status": "approved", "decided_by": legal.username},
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (ClearanceStatus.PENDING, "")


def test_a_service_refusal_is_a_form_error_and_nothing_is_saved(client, rows, superuser):
    client.force_login(superuser)
    before = AuditEvent.objects.count()

    response = client.post(ADD_REQUEST, request_form(rows, assets=[rows.foreign_asset.pk]))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Name assets of production ALPHA" in str(errors["assets"])
    assert not ClearanceRequest.objects.filter(purpose="Trailer cut").exists()
    assert AuditEvent.objects.count() == before


def test_a_license_whose_grant_is_refused_is_not_half_saved(client, rows, superuser):
    client.force_login(superuser)
    licensor, licensee = rows.parties
    before = AuditEvent.objects.count()

    response = client.post(
        "/admin/licensing/license/add/",
        {
            "reference": "L-HALF",
            "title": "Half",
            "production": rows.production.pk,
            "licensor": licensor.pk,
            "licensee": licensee.pk,
            "coverage": "production",
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "0",
            "grants-0-kind": "permission",
            "grants-0-action": "ai_edit",
            "grants-0-section": "§1",
            "grants-0-territory_include": '["ZZ"]',
            "grants-0-territory_exclude": "[]",
            "grants-0-media": "[]",
            "grants-0-languages": "[]",
        },
    )

    assert response.status_code == 200
    assert "grants.0.territory_include" in str(
        response.context["adminform"].form.non_field_errors()
    )
    assert not License.objects.filter(reference="L-HALF").exists()
    assert AuditEvent.objects.count() == before


def test_a_license_saved_with_its_grants_is_one_audited_change(client, rows, superuser):
    license = rows.of[License]
    client.force_login(superuser)

    response = client.post(
        f"/admin/licensing/license/{license.pk}/change/",
        {
            "reference": license.reference,
            "title": "Renewed",
            "licensor": license.licensor_id,
            "licensee": license.licensee_id,
            "coverage": "production",
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "0",
            "grants-0-kind": "permission",
            "grants-0-action": "ai_edit",
            "grants-0-section": "§2",
            "grants-0-territory_include": '["US"]',
            "grants-0-territory_exclude": "[]",
            "grants-0-media": "[]",
            "grants-0-languages": "[]",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="licensing.license.updated")
    assert event.after["title"] == "Renewed"
    assert [g["section"] for g in event.after["grants"]] == ["§2"]


def test_a_consent_is_recorded_through_the_service(client, rows, legal):
    client.force_login(legal)

    response = client.post(
        "/admin/licensing/consent/add/",
        {
            "person": rows.person.pk,
            "productions": [rows.production.pk],
            "scope": "voice",
            "description": "ADR session",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "signed_by": "Maya",
            "signed_at_0": "2026-01-01",
            "signed_at_1": "00:00:00",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="licensing.consent.recorded", after__scope="voice")
    assert (event.actor_name, event.after["description"]) == (legal.username, "ADR session")


def test_footage_added_in_the_admin_is_ingested_through_the_service(
    client, rows, coordinator, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assets.synthetic import make_still

    media, spool = tmp_path / "media", tmp_path / "spool"
    spool.mkdir()
    settings.ASSET_SPOOL_DIR = settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media, "base_url": "/media/"},
        },
    }
    still = make_still(tmp_path / "still.png", size=(64, 36), format="PNG")
    client.force_login(coordinator)

    response = client.post(
        "/admin/assets/asset/upload/",
        {
            **{"production": rows.production.pk, "origin": "dailies", "status": "withdrawn"},
            "file": SimpleUploadedFile("still.png", still.read_bytes(), "image/png"),
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="assets.asset.ingested")
    assert event.actor_name == coordinator.username
    assert Asset.objects.get(pk=event.target_id).status == "active"
