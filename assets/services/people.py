"""People and where they appear in the footage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from assets.models import Appearance, Asset, Person
from studio.audit import AuditEntry, audit_record, audit_record_many
from studio.choices import ScopeAction

if TYPE_CHECKING:
    from studio.actors import Actor
    from studio.models import Production
from studio.scoping import require_production_access, require_productions_access

PERSON_FIELDS = (
    "name",
    "kind",
    "email",
    "is_minor",
    "guardian_name",
    "is_deceased",
    "representative_name",
    "notes",
)


def _person_facts(person) -> dict:
    return {f: getattr(person, f) for f in PERSON_FIELDS} | {
        "productions": sorted(p.code for p in person.productions.all())
    }


def person_create(*, actor: Actor, productions: list[Production], **fields) -> Person:
    if not productions:
        raise ValidationError({"productions": "A person belongs to at least one production."})
    require_productions_access(actor, productions, ScopeAction.CHANGE)
    person = Person(**fields)
    person.full_clean()
    with transaction.atomic():
        person.save(force_insert=True)
        person.productions.set(productions)
        facts = _person_facts(person)
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry("assets.person.created", production, person, after=facts)
                for production in productions
            ],
        )
    return person


def person_update(
    *, actor: Actor, person: Person, productions: list[Production] | None = None, **changes
) -> Person:
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        current = list(person.productions.all())
        for production in {*current, *(productions or [])}:
            require_production_access(actor, production, ScopeAction.CHANGE)
        before = _person_facts(person)
        for field, value in changes.items():
            setattr(person, field, value)
        person.full_clean()
        person.save()
        if productions is not None:
            if not productions:
                raise ValidationError(
                    {"productions": "A person belongs to at least one production."}
                )
            person.productions.set(productions)
        after = _person_facts(person)
        for production in person.productions.all():
            audit_record(
                actor=actor,
                action="assets.person.updated",
                production=production,
                target=person,
                before=before,
                after=after,
            )
    return person


def _check_range(appearance: Appearance) -> None:
    asset = appearance.asset
    errors = {}
    if appearance.end_seconds is not None and asset.duration_seconds is not None:
        if appearance.end_seconds > asset.duration_seconds + 1e-6:
            errors["end_seconds"] = f"The clip is only {asset.duration_seconds:.3f} s long."
    if appearance.end_frame is not None and asset.frame_count is not None:
        if appearance.end_frame > asset.frame_count:
            errors["end_frame"] = f"The clip has only {asset.frame_count} frames."
    if not asset.production.people.filter(pk=appearance.person_id).exists():
        errors["person"] = f"{appearance.person} is not on production {asset.production.code}."
    if errors:
        raise ValidationError(errors)


def _appearance_facts(appearance: Appearance) -> dict:
    return {
        "person": appearance.person_id,
        "person_name": appearance.person.name,
        "asset": appearance.asset_id,
        "start_seconds": appearance.start_seconds,
        "end_seconds": appearance.end_seconds,
        "start_frame": appearance.start_frame,
        "end_frame": appearance.end_frame,
        "note": appearance.note,
    }


def appearance_create(*, actor: Actor, asset: Asset, person: Person, **ranges) -> Appearance:
    require_production_access(actor, asset.production, ScopeAction.CHANGE)
    appearance = Appearance(asset=asset, person=person, **ranges)
    appearance.full_clean()
    _check_range(appearance)
    with transaction.atomic():
        appearance.save(force_insert=True)
        audit_record(
            actor=actor,
            action="assets.appearance.created",
            production=asset.production,
            target=appearance,
            after=_appearance_facts(appearance),
        )
    return appearance


def appearance_update(*, actor: Actor, appearance: Appearance, **changes) -> Appearance:
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    before = _appearance_facts(appearance)
    for field, value in changes.items():
        setattr(appearance, field, value)
    # The asset may have changed: the caller must be able to change the new footage too.
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    appearance.full_clean()
    _check_range(appearance)
    with transaction.atomic():
        appearance.save()
        audit_record(
            actor=actor,
            action="assets.appearance.updated",
            production=appearance.asset.production,
            target=appearance,
            before=before,
            after=_appearance_facts(appearance),
        )
    return appearance


def appearance_delete(*, actor: Actor, appearance: Appearance) -> None:
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="assets.appearance.deleted",
            production=appearance.asset.production,
            target=appearance,
            before=_appearance_facts(appearance),
        )
        appearance.delete()


# A crowd is not cast one by one: more people than this in one call is a mistake.
MAX_PEOPLE_AT_ONCE = 500


def appearance_create_many(*, actor: Actor, asset: Asset, people: list[Person]) -> list[Appearance]:
    """People seen in the whole asset (as picked at upload): all recorded, or none.

    Everyone is checked before anything is written; someone who already appears in the asset
    without a time range is not added twice (the same file uploaded again).
    """
    require_production_access(actor, asset.production, ScopeAction.CHANGE)
    if len(people) > MAX_PEOPLE_AT_ONCE:
        raise ValidationError(
            {"people": f"At most {MAX_PEOPLE_AT_ONCE} people at once ({len(people)} given)."}
        )
    whole = set(
        asset.appearances.filter(start_seconds=None, end_seconds=None).values_list(
            "person_id", flat=True
        )
    )
    pending = [
        Appearance(asset=asset, person=p) for p in dict.fromkeys(people) if p.pk not in whole
    ]
    for appearance in pending:
        appearance.full_clean()
        _check_range(appearance)
    with transaction.atomic():
        for appearance in pending:
            appearance.save(force_insert=True)
            audit_record(
                actor=actor,
                action="assets.appearance.created",
                production=asset.production,
                target=appearance,
                after=_appearance_facts(appearance),
            )
    return pending
