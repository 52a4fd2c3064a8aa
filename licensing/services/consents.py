"""Talent consent: recorded, never deleted, revoked with a date, a reason and who recorded it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset, Person
from licensing import events
from licensing.models import Consent, Revocation, TaintCause
from licensing.services.taint import taint_propagate
from licensing.validation import check_window
from studio.actors import describe_actor
from studio.audit import AuditEntry, audit_record, audit_record_many
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production
from studio.scoping import require_production_access, require_productions_access

if TYPE_CHECKING:
    from studio.actors import Actor

CONSENT_FIELDS = (
    "scope",
    "description",
    "valid_from",
    "valid_until",
    "compensation_note",
    "signed_by",
    "guardian_signature",
    "representative_signature",
    "signed_at",
)


def consent_facts(consent: Consent) -> dict:
    facts = {field: getattr(consent, field) for field in CONSENT_FIELDS}
    facts |= {
        "person": consent.person.name,
        "evidence": consent.evidence_id,
        "productions": sorted(p.code for p in consent.productions.all()),
    }
    return facts


def _check_productions(person: Person, productions: list[Production]) -> None:
    if not productions:
        raise ValidationError({"productions": "A consent names the productions it covers."})
    on = set(person.productions.values_list("pk", flat=True))
    outside = sorted(p.code for p in productions if p.pk not in on)
    if outside:
        raise ValidationError(
            {"productions": f"{person.name} is not on production(s) {', '.join(outside)}."}
        )


def consent_create(
    *,
    actor: Actor,
    person: Person,
    productions: list[Production],
    evidence: Asset | None = None,
    **fields,
) -> Consent:
    require_productions_access(actor, productions, ScopeAction.LEGAL)
    _check_productions(person, productions)
    check_window(
        fields.get("valid_from"),
        fields.get("valid_until"),
        start_field="valid_from",
        end_field="valid_until",
    )
    if evidence is not None and evidence.production_id not in {p.pk for p in productions}:
        raise ValidationError(
            {"evidence": "The signed release must be an asset of a production the consent covers."}
        )
    consent = Consent(person=person, evidence=evidence, **fields)
    consent.full_clean()
    with transaction.atomic():
        consent.save(force_insert=True)
        consent.productions.set(productions)
        facts = consent_facts(consent)
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry("licensing.consent.recorded", production, consent, after=facts)
                for production in productions
            ],
        )
    return consent


def consent_revoke(
    *, actor: Actor, consent: Consent, reason: str, revoked_at: dt.datetime | None = None
) -> Revocation:
    """Withdraw a consent. The consent stays; a second revocation is a conflict."""
    productions = list(consent.productions.all())
    for production in productions:
        require_production_access(actor, production, ScopeAction.LEGAL)
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the consent is revoked."})
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if Revocation.objects.filter(consent=consent).exists():
            raise Conflict(
                f"The consent of {consent.person.name} for {consent.scope} is already revoked."
            )
        revocation = Revocation.objects.create(
            consent=consent,
            revoked_at=revoked_at or timezone.now(),
            reason=reason,
            recorded_by=describe_actor(actor).actor_name,
        )
        for production in productions:
            audit_record(
                actor=actor,
                action="licensing.consent.revoked",
                production=production,
                target=consent,
                after={"revoked_at": revocation.revoked_at, "reason": reason},
            )
        taint_propagate(
            actor=actor,
            cause_type=TaintCause.CONSENT,
            cause_id=consent.pk,
            reason=f"revoked on {revocation.revoked_at:%Y-%m-%d}: {reason}",
        )
        events.consent_revoked(consent, revocation, productions)
    return revocation
