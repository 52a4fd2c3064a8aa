"""Bad input is refused with a clear 4xx that names the field, and leaves nothing behind."""

import pytest

from assets.models import Person
from licensing.models import (
    ClearanceRequest,
    Consent,
    GateEvaluation,
    Grant,
    License,
    Party,
    Revocation,
)
from studio.models import AuditEvent
from tests.licensing.helpers import (
    PROBLEM,
    fields_of,
    grant_payload,
    license_payload,
    odrl_rule,
    policy_doc,
)

LICENSES = "/api/v1/licenses/"
IMPORT = "/api/v1/licenses/import-odrl/"
CONSENTS = "/api/v1/consents/"
CHECK = "/api/v1/clearance/check"


def _counts():
    return (
        License.objects.count(),
        Grant.objects.count(),
        Party.objects.count(),
        Consent.objects.count(),
        Revocation.objects.count(),
        AuditEvent.objects.count(),
    )


def _refused(response, status, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in fields_of(response), body
        assert field in body["detail"]
    return body


# --- licenses --------------------------------------------------------------------------------------


def _without_action():
    grant = grant_payload()
    del grant["action"]
    return [grant]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2025-12-31T00:00:00Z"}, "ends_at"),
        ({"ends_at": "2026-01-01T00:00:00Z"}, "ends_at"),  # the end is exclusive: empty window
        ({"grants": [grant_payload(territory_include=["US", "ZZ"])]}, "grants.0.territory_include"),
        (
            {"grants": [grant_payload(territory_exclude=["WORLDWIDE"])]},
            "grants.0.territory_exclude",
        ),
        ({"grants": [grant_payload(media=["cinema"])]}, "grants.0.media"),
        ({"grants": [grant_payload(), grant_payload(media=["vhs"])]}, "grants.1.media"),
        ({"grants": _without_action()}, "grants.0.action"),
        ({"grants": [grant_payload(action="")]}, "grants.0.action"),
        ({"grants": [grant_payload(action="teleport")]}, "grants.0.action"),
        ({"grants": [grant_payload(languages=["xx"])]}, "grants.0.languages"),
        ({"grants": [grant_payload(languages=["english"])]}, "grants.0.languages"),
        (
            {"grants": [grant_payload(valid_until="2026-01-15T00:00:00Z")]},
            "grants.0.valid_until",
        ),
        ({"grants": [grant_payload(kind="maybe")]}, "grants.0.kind"),
        ({"grants": [grant_payload(colour="red")]}, "grants.0.colour"),
    ],
)
def test_a_bad_license_is_refused_whole(world, legal, client_as, overrides, field):
    before = _counts()

    response = client_as(legal).post(LICENSES, license_payload(world, **overrides), format="json")

    _refused(response, 400, field)
    assert _counts() == before


def test_an_unknown_territory_is_named_in_the_message(world, legal, client_as):
    payload = license_payload(world, grants=[grant_payload(territory_include=["US", "ZZ"])])

    body = _refused(client_as(legal).post(LICENSES, payload, format="json"), 400)

    assert "ZZ" in body["errors"][0]["message"]


# --- consents --------------------------------------------------------------------------------------


def _consent_payload(person, **overrides):
    return {
        "person": person.pk,
        "scope": "digital_alteration",
        "productions": ["ALPHA"],
        "description": "De-ageing in the flashback scenes.",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2028-01-01T00:00:00Z",
        "signed_by": person.name,
        "signed_at": "2025-12-01T10:00:00Z",
    } | overrides


def test_a_consent_for_a_production_the_person_is_not_on_is_refused(
    world, legal_of_both, client_as
):
    nia = Person.objects.create(name="Nia")
    nia.productions.set([world.production])
    before = _counts()

    response = client_as(legal_of_both).post(
        CONSENTS, _consent_payload(nia, productions=["ALPHA", "BRAVO"]), format="json"
    )

    body = _refused(response, 400, "productions")
    assert "BRAVO" in body["errors"][0]["message"]
    assert _counts() == before


def test_a_consent_that_ends_before_it_starts_is_refused(world, legal, client_as):
    payload = _consent_payload(world.people["maya"], valid_until="2025-06-01T00:00:00Z")
    before = _counts()

    response = client_as(legal).post(CONSENTS, payload, format="json")

    _refused(response, 400, "valid_until")
    assert _counts() == before


def test_revoking_a_revoked_consent_is_a_conflict(world, legal, client_as):
    consent = world.consent("c", "maya", revoked=world.request().at)
    before = _counts()

    response = client_as(legal).post(
        f"{CONSENTS}{consent.pk}/revoke/", {"reason": "again"}, format="json"
    )

    body = _refused(response, 409)
    assert "already revoked" in body["detail"]
    assert _counts() == before


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "   "}])
def test_revoking_without_a_reason_is_refused(world, legal, client_as, payload):
    consent = world.consent("c", "maya")
    before = _counts()

    response = client_as(legal).post(f"{CONSENTS}{consent.pk}/revoke/", payload, format="json")

    _refused(response, 400, "reason")
    assert _counts() == before


# --- ODRL import -----------------------------------------------------------------------------------


def _import(client, policy):
    return client.post(IMPORT, {"production": "ALPHA", "policy": policy}, format="json")


def test_the_base_policy_imports(world, legal, client_as):
    """Guards the bad-policy cases below: each changes one thing of a policy that imports."""
    response = _import(client_as(legal), policy_doc(world))

    assert response.status_code == 201, response.content
    assert Party.objects.filter(name__startswith="Newco").count() == 2


def _bad_territoryodrl_rule():
    spatial = {"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": ["ZZ"]}
    return [odrl_rule(constraint=[spatial])]


BAD_POLICIES = {
    "not an object": (lambda w: ["Agreement"], "@type"),
    "no @type": (lambda w: {"uid": "urn:x:1", "permission": []}, "@type"),
    "not a policy type": (lambda w: policy_doc(w, **{"@type": "Person"}), "@type"),
    "unknown action": (lambda w: policy_doc(w, permission=[odrl_rule(action="teleport")]), None),
    "no action": (lambda w: policy_doc(w, permission=[odrl_rule(action="")]), None),
    "unknown asset": (
        lambda w: policy_doc(w, **{"clearcut:assets": ["f" * 64]}),
        "clearcut:assets",
    ),
    "other production's asset": (
        lambda w: policy_doc(w, **{"clearcut:assets": [w.assets["foreign"].sha256]}),
        "clearcut:assets",
    ),
    "no start": (lambda w: policy_doc(w, **{"clearcut:startsAt": None}), "clearcut:startsAt"),
    "naive start": (
        lambda w: policy_doc(w, **{"clearcut:startsAt": "2026-01-01T00:00:00"}),
        "clearcut:startsAt",
    ),
    "unknown status": (lambda w: policy_doc(w, **{"clearcut:status": "signed"}), "clearcut:status"),
    # These fail after the parties were found-or-created, inside the import's transaction:
    "end before start": (
        lambda w: policy_doc(w, **{"clearcut:endsAt": "2025-01-01T00:00:00+00:00"}),
        "ends_at",
    ),
    "title too long": (lambda w: policy_doc(w, **{"clearcut:title": "x" * 201}), "clearcut:title"),
    "title not a string": (
        lambda w: policy_doc(w, **{"clearcut:title": {"@value": "x"}}),
        "clearcut:title",
    ),
    "NUL in the title": (lambda w: policy_doc(w, **{"clearcut:title": "a\x00b"}), "clearcut:title"),
    "party name too long": (
        lambda w: policy_doc(w, assigner={"clearcut:name": "N" * 10_000}),
        "assigner.clearcut:name",
    ),
    "party as a list": (lambda w: policy_doc(w, assignee=["urn:x:a", "urn:x:b"]), "assignee"),
    "uid as an object": (
        lambda w: policy_doc(w, uid={"@id": "urn:x:1"}, **{"clearcut:reference": None}),
        "uid",
    ),
    "reference too long": (
        lambda w: policy_doc(w, **{"clearcut:reference": "R" * 65}),
        "clearcut:reference",
    ),
    "asset not a hash": (
        lambda w: policy_doc(w, **{"clearcut:assets": ["../../etc/passwd"]}),
        "clearcut:assets.0",
    ),
    "unknown territory": (lambda w: policy_doc(w, permission=_bad_territoryodrl_rule()), None),
    # "false" is a string, and a truthy one: it must not make a grant exclusive.
    "exclusive not a boolean": (
        lambda w: policy_doc(w, permission=[odrl_rule(**{"clearcut:exclusive": "false"})]),
        "permission.0.clearcut:exclusive",
    ),
}
ACTION_FIELD = {"unknown action": "permission.0.action", "no action": "permission.0.action"}


@pytest.mark.parametrize("case", sorted(BAD_POLICIES))
def test_a_bad_policy_imports_nothing(world, legal, client_as, case):
    make, field = BAD_POLICIES[case]
    before = _counts()

    response = _import(client_as(legal), make(world))

    _refused(response, 400, field or ACTION_FIELD.get(case))
    assert _counts() == before
    assert not Party.objects.filter(name__startswith="Newco").exists()


def test_an_unknown_territory_in_a_policy_names_the_rule_it_is_in(world, legal, client_as):
    """The caller sent ODRL, so the error must point into the ODRL document they sent."""
    response = _import(client_as(legal), policy_doc(world, permission=_bad_territoryodrl_rule()))

    body = _refused(response, 400)
    assert all(error["field"].startswith("permission.0") for error in body["errors"]), body


def test_a_coordinator_cannot_import_and_no_party_is_left(world, coordinator, client_as):
    before = _counts()

    response = _import(client_as(coordinator), policy_doc(world))

    _refused(response, 403)
    assert _counts() == before


def test_importing_an_existing_reference_is_a_conflict(world, legal, client_as):
    world.license("IMP-1")
    before = _counts()

    response = _import(client_as(legal), policy_doc(world))

    body = _refused(response, 409)
    assert "IMP-1" in body["detail"]
    assert _counts() == before


# --- the gate's dry run ----------------------------------------------------------------------------


@pytest.mark.parametrize("territory", ["WORLD", "world", "XX", "EU", "USA", ""])
def test_the_check_needs_one_known_country(world, coordinator, client_as, territory):
    payload = {
        "production": "ALPHA",
        "action": "distribute",
        "assets": [world.assets["a1"].pk],
        "territory": territory,
        "media": "svod",
    }

    response = client_as(coordinator).post(CHECK, payload, format="json")

    _refused(response, 400, "territory")
    assert GateEvaluation.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"territory": "XX"}, "territory"),
        ({"media": "cinema"}, "media"),
        # A reversed window would reach the database only when legal approves it (as a grant).
        ({"use_until": "2026-06-01T00:00:00Z"}, "use_until"),
    ],
)
def test_a_bad_clearance_request_is_refused(world, coordinator, client_as, overrides, field):
    payload = {
        "production": "ALPHA",
        "action": "distribute",
        "assets": [world.assets["a1"].pk],
        "territory": "JP",
        "media": "festival",
        "use_from": "2027-01-01T00:00:00Z",
        "purpose": "Festival trailer",
    } | overrides

    response = client_as(coordinator).post("/api/v1/clearance-requests/", payload, format="json")

    _refused(response, 400, field)
    assert ClearanceRequest.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("duty", ["attribution", "notice"])
def test_a_prohibition_with_a_duty_is_refused(world, legal, client_as, duty):
    """ODRL puts duties on permissions; a prohibition's would be exported as something it is not."""
    grant = grant_payload(kind="prohibition", attribution="", notice="") | {duty: "Credit us."}
    before = _counts()

    response = client_as(legal).post(
        LICENSES, license_payload(world, grants=[grant]), format="json"
    )

    _refused(response, 400, f"grants.0.{duty}")
    assert _counts() == before
