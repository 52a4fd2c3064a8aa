"""People and their appearances in footage over the API: scope, rules, one audit row per write."""

import pytest
from django.core.exceptions import ValidationError

from assets.models import Appearance, Person
from assets.services import appearance_create_many
from assets.services.people import MAX_PEOPLE_AT_ONCE
from studio.models import AuditEvent
from tests.factories import MembershipFactory

PEOPLE = "/api/v1/people/"
APPEARANCES = "/api/v1/appearances/"


def person_on(*productions, name="Ada Lane", **fields) -> Person:
    person = Person.objects.create(name=name, **fields)
    person.productions.set(productions)
    return person


def _only_event(action, actor):
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_id, event.actor_name) == (action, actor.pk, actor.username)
    return event


def test_a_coordinator_adds_a_person_with_one_audit_row(api, coordinator, production):
    api.force_login(coordinator)

    response = api.post(
        PEOPLE, {"name": "Ada Lane", "kind": "talent", "productions": ["ALPHA"]}, format="json"
    )

    assert response.status_code == 201, response.content
    person = Person.objects.get()
    assert (response.json()["id"], response.json()["productions"]) == (person.pk, ["ALPHA"])
    event = _only_event("assets.person.created", coordinator)
    assert (event.production, event.target_id) == (production, str(person.pk))


def test_a_viewer_cannot_add_a_person(api, production, member):
    api.force_login(member("viewer", production))

    response = api.post(PEOPLE, {"name": "Ada Lane", "productions": ["ALPHA"]}, format="json")

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["productions"]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"is_minor": True}, "guardian"),
        ({"is_minor": True, "guardian_name": "  "}, "guardian"),
        ({"is_deceased": True}, "representative"),
    ],
)
def test_a_minor_needs_a_guardian_and_the_deceased_a_representative(api, coordinator, fields, rule):
    api.force_login(coordinator)

    response = api.post(PEOPLE, {"name": "Kit", "productions": ["ALPHA"], **fields}, format="json")

    assert response.status_code == 400, response.content
    assert rule in response.content.decode()
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_people_are_listed_only_on_the_callers_productions(
    api, production, other_production, member
):
    alpha_only = person_on(production, name="Ada")
    both = person_on(production, other_production, name="Bea")
    bravo_only = person_on(other_production, name="Cy")
    api.force_login(member("coordinator", other_production))

    listed = api.get(PEOPLE).json()["results"]
    filtered = api.get(f"{PEOPLE}?production=ALPHA").json()["results"]

    assert {p["id"] for p in listed} == {both.pk, bravo_only.pk}
    assert len(listed) == 2  # a person on two productions is listed once
    assert [p["id"] for p in filtered] == [both.pk]
    assert api.get(f"{PEOPLE}{alpha_only.pk}/").status_code == 404


def test_a_coordinator_updates_a_person_with_one_audit_row(api, coordinator, production):
    person = person_on(production)
    api.force_login(coordinator)

    response = api.patch(f"{PEOPLE}{person.pk}/", {"notes": "Stunt double: Bo"}, format="json")

    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.notes == "Stunt double: Bo"
    event = _only_event("assets.person.updated", coordinator)
    assert (event.before["notes"], event.after["notes"]) == ("", "Stunt double: Bo")


def test_an_update_cannot_make_a_minor_without_a_guardian(api, superuser, production):
    person = person_on(production)
    api.force_login(superuser)

    response = api.patch(f"{PEOPLE}{person.pk}/", {"is_minor": True}, format="json")

    assert response.status_code == 400, response.content
    person.refresh_from_db()
    assert not person.is_minor
    assert not AuditEvent.objects.exists()


@pytest.fixture
def footage(production, asset_row):
    """A 10-second, 240-frame clip in ALPHA and a person on ALPHA."""
    return asset_row(production, duration_seconds=10.0, frame_count=240), person_on(production)


def _appear(client, asset, person, **ranges):
    return client.post(
        APPEARANCES, {"asset": asset.pk, "person": person.pk, **ranges}, format="json"
    )


def test_an_appearance_is_recorded_with_its_ranges(api, coordinator, footage):
    asset, person = footage
    api.force_login(coordinator)

    response = _appear(
        api, asset, person, start_seconds=1.5, end_seconds=4.0, start_frame=36, end_frame=96
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person_name"], body["start_seconds"], body["end_seconds"]) == ("Ada Lane", 1.5, 4)
    assert (body["start_frame"], body["end_frame"]) == (36, 96)
    event = _only_event("assets.appearance.created", coordinator)
    assert event.target_id == str(Appearance.objects.get().pk)


def test_an_appearance_is_changed_and_removed_with_an_audit_row_each(api, coordinator, footage):
    asset, person = footage
    appearance = Appearance.objects.create(asset=asset, person=person, start_seconds=1.0)
    api.force_login(coordinator)

    changed = api.patch(f"{APPEARANCES}{appearance.pk}/", {"end_seconds": 9.5}, format="json")
    assert changed.status_code == 200, changed.content
    event = _only_event("assets.appearance.updated", coordinator)
    assert (event.before["end_seconds"], event.after["end_seconds"]) == (None, 9.5)

    removed = api.delete(f"{APPEARANCES}{appearance.pk}/")
    assert removed.status_code == 204
    assert not Appearance.objects.exists()
    deleted = AuditEvent.objects.get(action="assets.appearance.deleted")
    assert (deleted.actor_id, deleted.before["end_seconds"]) == (coordinator.pk, 9.5)


@pytest.mark.parametrize(
    ("ranges", "field"),
    [
        ({"start_seconds": 5.0, "end_seconds": 2.0}, None),
        ({"start_frame": 100, "end_frame": 100}, None),
        ({"start_seconds": -1.0}, None),
        ({"start_seconds": 1.0, "end_seconds": 10.5}, "end_seconds"),
        ({"start_frame": 0, "end_frame": 241}, "end_frame"),
    ],
)
def test_an_appearance_must_lie_inside_the_clip(api, coordinator, footage, ranges, field):
    asset, person = footage
    api.force_login(coordinator)

    response = _appear(api, asset, person, **ranges)

    assert response.status_code == 400, response.content
    if field:
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Appearance.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_person_must_be_on_the_assets_production(api, superuser, footage, other_production):
    asset, _ = footage
    outsider = person_on(other_production, name="Outsider")
    api.force_login(superuser)

    response = _appear(api, asset, outsider)

    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["person"]
    assert not Appearance.objects.exists()


def test_a_person_of_another_production_is_not_even_offered(
    api, coordinator, footage, other_production
):
    asset, _ = footage
    outsider = person_on(other_production, name="Outsider")
    api.force_login(coordinator)

    response = _appear(api, asset, outsider)

    assert response.status_code == 400
    assert not Appearance.objects.exists()


def test_an_appearance_cannot_be_moved_to_footage_the_caller_may_only_view(
    api, production, other_production, member, asset_row
):
    user = member("coordinator", production)
    MembershipFactory(user=user, production=other_production, role="viewer")
    person = person_on(production, other_production)
    appearance = Appearance.objects.create(asset=asset_row(production), person=person)
    elsewhere = asset_row(other_production)
    api.force_login(user)

    response = api.patch(f"{APPEARANCES}{appearance.pk}/", {"asset": elsewhere.pk}, format="json")

    assert response.status_code in (400, 403), response.content
    appearance.refresh_from_db()
    assert appearance.asset.production == production
    assert not AuditEvent.objects.exists()


def test_appearances_of_other_productions_are_hidden(api, footage, other_production, member):
    asset, person = footage
    appearance = Appearance.objects.create(asset=asset, person=person)
    api.force_login(member("legal", other_production))

    assert api.get(APPEARANCES).json()["results"] == []
    assert api.get(f"{APPEARANCES}{appearance.pk}/").status_code == 404
    assert api.delete(f"{APPEARANCES}{appearance.pk}/").status_code == 404


def test_more_people_at_once_than_the_limit_records_no_one(coordinator, footage, production):
    asset, _ = footage
    crowd = Person.objects.bulk_create(
        Person(name=f"Extra {i}") for i in range(MAX_PEOPLE_AT_ONCE + 1)
    )
    with pytest.raises(ValidationError) as refused:
        appearance_create_many(actor=coordinator, asset=asset, people=crowd)

    assert "people" in refused.value.message_dict
    assert not Appearance.objects.exists()
    assert not AuditEvent.objects.exists()
