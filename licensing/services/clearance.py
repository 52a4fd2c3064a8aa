"""The gate as a service (stored, audited decisions) and the clearance-request workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from licensing import territories
from licensing.choices import ClearanceStatus, GrantKind
from licensing.gate import Decision, UseRequest, evaluate
from licensing.models import ClearanceRequest, GateEvaluation, Grant, License, LicensedAsset
from licensing.validation import check_media, check_window
from studio.actors import describe_actor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production
from studio.scoping import require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor


def check_country(field: str, code: str) -> None:
    """An intended use happens in one country; groups (EU, WORLD) are for grants, not for uses."""
    if code not in territories.countries():
        raise ValidationError(
            {field: f"{code!r} is not one country: give an ISO 3166-1 alpha-2 code (e.g. US, FR)."}
        )


def check_use_request(request: UseRequest) -> None:
    check_country("territory", request.territory)
    check_media("media", [request.media])


def _loaded_production(subject, production_id: int) -> Production | None:
    """The subject's production where the subject already holds it (a job just made or claimed),
    so the gate does not read it again."""
    if subject is None:
        return None
    try:
        link = subject._meta.get_field("production")
    except FieldDoesNotExist:
        return None
    if not link.is_relation or not link.is_cached(subject):
        return None
    production = link.get_cached_value(subject)
    return production if production is not None and production.pk == production_id else None


def gate_check(
    *, actor: Actor, request: UseRequest, subject=None
) -> tuple[Decision, GateEvaluation]:
    """Evaluate a use that is about to happen, store the decision with its inputs, and audit it."""
    production = _loaded_production(subject, request.production_id) or Production.objects.get(
        pk=request.production_id
    )
    check_use_request(request)
    decision = evaluate(request)
    with transaction.atomic():
        evaluation = GateEvaluation.objects.create(
            production=production,
            action=request.action,
            request=decision.as_dict()["request"],
            allowed=decision.allowed,
            reasons=decision.as_dict()["reasons"],
            rule_version=decision.rule_version,
            subject_type=subject._meta.label_lower if subject is not None else "",
            subject_id=str(subject.pk) if subject is not None else "",
            evaluated_by=describe_actor(actor).actor_name,
        )
        audit_record(
            actor=actor,
            action="licensing.gate.allowed" if decision.allowed else "licensing.gate.denied",
            production=production,
            target=evaluation,
            after={
                "action": request.action,
                "assets": list(request.asset_ids),
                "allowed": decision.allowed,
                "blocking": [r.message for r in decision.blocking],
            },
        )
    return decision, evaluation


def clearance_request_create(
    *, actor: Actor, production: Production, assets: list[Asset], **fields
) -> ClearanceRequest:
    require_production_access(actor, production, ScopeAction.CHANGE)
    check_country("territory", fields.get("territory", ""))
    check_media("media", [fields.get("media", "")])
    check_window(
        fields.get("use_from"),
        fields.get("use_until"),
        start_field="use_from",
        end_field="use_until",
    )
    foreign = sorted(a.pk for a in assets if a.production_id != production.pk)
    if foreign or not assets:
        raise ValidationError(
            {
                "assets": f"Name assets of production {production.code}."
                + (f" Not: {foreign}." if foreign else "")
            }
        )
    who = describe_actor(actor)
    request = ClearanceRequest(
        production=production, requested_by=who.actor_name, requested_by_id=who.actor_id, **fields
    )
    request.full_clean()
    with transaction.atomic():
        request.save(force_insert=True)
        request.assets.set(assets)
        audit_record(
            actor=actor,
            action="licensing.clearance.requested",
            production=production,
            target=request,
            after={
                "action": request.action,
                "assets": [a.pk for a in assets],
                "territory": request.territory,
                "media": request.media,
                "purpose": request.purpose,
            },
        )
    return request


def clearance_request_decide(
    *,
    actor: Actor,
    request: ClearanceRequest,
    approve: bool,
    notes: str = "",
    grant_on: License | None = None,
) -> ClearanceRequest:
    """Legal approves (optionally creating a specific grant on a license) or rejects, with notes."""
    require_production_access(actor, request.production, ScopeAction.LEGAL)
    if not approve and not notes.strip():
        raise ValidationError({"notes": "Say why the request is rejected."})
    if grant_on is not None and grant_on.production_id != request.production_id:
        raise ValidationError({"license": "The license belongs to another production."})
    with transaction.atomic():
        request = ClearanceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ClearanceStatus.PENDING:
            raise Conflict(f"Clearance request #{request.pk} was already {request.status}.")
        request.status = ClearanceStatus.APPROVED if approve else ClearanceStatus.REJECTED
        request.decided_by, request.decided_at, request.decision_notes = (
            describe_actor(actor).actor_name,
            timezone.now(),
            notes,
        )
        if approve and grant_on is not None:
            request.created_grant = _specific_grant(grant_on, request)
        request.save()
        audit_record(
            actor=actor,
            action=f"licensing.clearance.{request.status}",
            production=request.production,
            target=request,
            after={"notes": notes, "grant": request.created_grant_id},
        )
    return request


def _specific_grant(license: License, request: ClearanceRequest) -> Grant:
    grant = Grant.objects.create(
        license=license,
        section=f"clearance #{request.pk}",
        kind=GrantKind.PERMISSION,
        action=request.action,
        territory_include=[request.territory],
        media=[request.media],
        languages=[request.language] if request.language else [],
        valid_from=request.use_from,
        valid_until=request.use_until,
    )
    grant.productions.set([request.production])
    LicensedAsset.objects.bulk_create(
        [LicensedAsset(license=license, asset=a) for a in request.assets.all()],
        ignore_conflicts=True,
    )
    return grant


@dataclass
class ClearancePreview:
    """What the gate answers for a request's use now, and what it would answer after approval."""

    now: Decision
    after: Decision
    warnings: list[str] = field(default_factory=list)


class _DryRun(Exception):
    """Raised inside the preview's savepoint so that the grant it made is rolled back."""


def clearance_use(request: ClearanceRequest) -> UseRequest:
    """The use a clearance request asks about, as the gate's question (at the start of its window)."""
    return UseRequest(
        action=request.action,
        production_id=request.production_id,
        asset_ids=tuple(sorted(a.pk for a in request.assets.all())),
        territory=request.territory,
        media=request.media,
        at=request.use_from,
        language=request.language,
    )


def clearance_request_preview(
    *, actor: Actor, request: ClearanceRequest, grant_on: License | None = None
) -> ClearancePreview:
    """The gate's answer for the request's use as if it were approved, without saving anything.

    The specific grant an approval would create is made inside a savepoint that is always rolled
    back, so the evaluator reads it exactly as it would read the real one.
    """
    require_production_access(actor, request.production, ScopeAction.LEGAL)
    if grant_on is not None and grant_on.production_id != request.production_id:
        raise ValidationError({"license": "The license belongs to another production."})
    use = clearance_use(request)
    now = evaluate(use)
    after = now
    if grant_on is not None:
        try:
            with transaction.atomic():
                _specific_grant(grant_on, request)
                after = evaluate(use)
                raise _DryRun
        except _DryRun:
            pass
    return ClearancePreview(now, after, _preview_warnings(now, after, grant_on))


def _preview_warnings(now: Decision, after: Decision, grant_on: License | None) -> list[str]:
    if grant_on is None:
        if now.allowed:
            return []
        return ["Approving without a grant records the decision only; the gate's answer stays."]
    warnings = []
    if _same_answer(now, after):
        warnings.append(f"A grant on {grant_on.reference} would not change the gate's answer.")
    for reason in after.blocking:
        kind = _BLOCKING_KINDS.get(reason.code, "Still blocked")
        warnings.append(f"{kind}: {reason.message}")
    return warnings


_CONSENT_DOES_NOT_HOLD = "A consent that does not hold would still block the use"
_STATUS = "The footage's status would still block the use"
_BLOCKING_KINDS = {
    "prohibited": "A prohibition would still block the use",
    "consent_missing": "A missing consent would still block the use",
    "consent_scope_missing": "A missing consent would still block the use",
    "consent_revoked": "A revoked consent would still block the use",
    "consent_expired": _CONSENT_DOES_NOT_HOLD,
    "consent_not_yet_valid": _CONSENT_DOES_NOT_HOLD,
    "consent_production_missing": _CONSENT_DOES_NOT_HOLD,
    "minor_without_guardian": _CONSENT_DOES_NOT_HOLD,
    "deceased_without_representative": _CONSENT_DOES_NOT_HOLD,
    "tainted": _STATUS,
    "withdrawn": _STATUS,
    "quarantined": _STATUS,
}


def _same_answer(first: Decision, second: Decision) -> bool:
    def key(decision):
        return decision.allowed, sorted(r.message for r in decision.blocking)

    return key(first) == key(second)
