"""The licensing admin: grants inline, revocation with a confirmation, linking a license to assets."""

import pytest

from licensing.models import Consent, Grant, LicensedAsset, Revocation
from studio.models import AuditEvent
from tests.licensing.world import build_world, permission


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def legal_admin(client, world, member):
    user = member("legal", world.production)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


def test_revoking_a_consent_asks_for_a_reason_first(legal_admin, world):
    consent = world.consent("c", "maya")
    url = "/admin/licensing/consent/"

    confirm = legal_admin.post(url, {"action": "revoke", "_selected_action": [consent.pk]})
    assert confirm.status_code == 200
    assert b"Revoking a consent is recorded" in confirm.content
    assert not Revocation.objects.exists()

    done = legal_admin.post(
        url,
        {
            "action": "revoke",
            "_selected_action": [consent.pk],
            "confirm": "yes",
            "reason": "Withdrawn by letter",
        },
    )

    assert done.status_code == 302
    revocation = Revocation.objects.get()
    assert (revocation.consent_id, revocation.reason) == (consent.pk, "Withdrawn by letter")
    assert Consent.objects.filter(pk=consent.pk).exists()
    assert AuditEvent.objects.filter(action="licensing.consent.revoked").count() == 1


def test_the_consent_list_flags_a_minors_consent_without_a_guardian(legal_admin, world):
    world.consent("unsigned", "leo")
    world.consent("signed", "maya")

    page = legal_admin.get("/admin/licensing/consent/")

    assert page.status_code == 200
    assert page.content.count(b"not effective") == 1
    assert b"Leo is a minor and the consent has no guardian signature" in page.content


def test_linking_a_license_to_selected_assets(legal_admin, world):
    license = world.license("L-LIST", permission(), coverage="listed")
    chosen = [world.assets["a1"].pk, world.assets["a2"].pk]

    legal_admin.post("/admin/assets/asset/", {"action": "link_license", "_selected_action": chosen})
    response = legal_admin.post(
        "/admin/assets/asset/",
        {
            "action": "link_license",
            "_selected_action": chosen,
            "confirm": "yes",
            "license": license.pk,
        },
    )

    assert response.status_code == 302
    assert sorted(
        LicensedAsset.objects.filter(license=license).values_list("asset_id", flat=True)
    ) == sorted(chosen)


def test_grants_saved_inline_go_through_the_service(legal_admin, world):
    license = world.license("L-INLINE")
    form = {
        "reference": "L-INLINE",
        "title": "Inline",
        "production": world.production.pk,
        "licensor": world.stock_co.pk,
        "licensee": world.studio.pk,
        "coverage": "production",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "ends_at_0": "",
        "ends_at_1": "",
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "0",
        "grants-0-kind": "permission",
        "grants-0-action": "ai_edit",
        "grants-0-section": "§9",
        "grants-0-territory_include": '["US"]',
        "grants-0-territory_exclude": "[]",
        "grants-0-media": "[]",
        "grants-0-languages": "[]",
        "grants-0-attribution": "",
        "grants-0-notice": "",
    }

    response = legal_admin.post(f"/admin/licensing/license/{license.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    grant = Grant.objects.get(license=license)
    assert (grant.action, grant.section, grant.territory_include) == ("ai_edit", "§9", ["US"])
    assert AuditEvent.objects.filter(
        action="licensing.license.updated", target_id=str(license.pk)
    ).exists()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("grants-0-media", '[{"svod": true}]', "grants.0.media.0"),
        ("grants-0-territory_include", '["FR", ["DE"]]', "grants.0.territory_include.1"),
        ("grants-0-languages", '"fr"', "grants.0.languages"),
    ],
)
def test_an_inline_grant_the_rules_refuse_is_shown_on_the_form_and_nothing_is_saved(
    legal_admin, world, field, value, named
):
    license = world.license("L-INLINE")
    form = {
        "reference": "L-INLINE",
        "title": "Inline",
        "production": world.production.pk,
        "licensor": world.stock_co.pk,
        "licensee": world.studio.pk,
        "coverage": "production",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "00:00:00",
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "0",
        "grants-0-kind": "permission",
        "grants-0-action": "ai_edit",
        "grants-0-territory_include": "[]",
        "grants-0-territory_exclude": "[]",
        "grants-0-media": "[]",
        "grants-0-languages": "[]",
    } | {field: value}
    events = AuditEvent.objects.count()

    response = legal_admin.post(f"/admin/licensing/license/{license.pk}/change/", form)

    assert response.status_code == 200
    assert named in response.content.decode()
    assert not Grant.objects.filter(license=license).exists()
    assert AuditEvent.objects.count() == events
