"""The gate's rules over loaded facts: which grants apply, which consents hold. No queries here."""

from __future__ import annotations

from licensing import territories
from licensing.choices import Coverage, GrantKind, LicenseStatus
from licensing.gate.decision import Reason, UseRequest


def license_in_force(license, at) -> str | None:
    """None when the license grants anything at ``at``; else why not."""
    if license.status != LicenseStatus.ACTIVE:
        return license.status
    if at < license.starts_at:
        return f"not yet in force (starts {license.starts_at:%Y-%m-%d})"
    if license.ends_at is not None and at >= license.ends_at:
        return f"expired on {license.ends_at:%Y-%m-%d}"
    return None


def covers_asset(facts, license, asset) -> bool:
    if license.coverage == Coverage.LISTED:
        return asset.pk in facts.listed.get(license.pk, ())
    if license.production_id != asset.production_id:
        return False
    if license.coverage == Coverage.PRODUCTION:
        return True
    return facts.holders.get(asset.pk) == license.licensor_id


def constraint_misses(
    grant, request: UseRequest, productions: set[int], *, strict: bool
) -> list[str]:
    """The constraints of ``grant`` the intended use falls outside of. ``strict`` (for permissions)
    treats an unknown language as a miss; prohibitions assume the worst instead."""
    misses = []
    if not territories.covers(grant.territory_include, grant.territory_exclude, request.territory):
        misses.append(f"territory {request.territory}")
    if grant.media and request.media not in grant.media:
        misses.append(f"media {request.media}")
    if grant.languages and (request.language or strict) and request.language not in grant.languages:
        misses.append(f"language {request.language or '(unspecified)'}")
    if grant.valid_from and request.at < grant.valid_from:
        misses.append(f"date {request.at:%Y-%m-%d} (from {grant.valid_from:%Y-%m-%d})")
    if grant.valid_until and request.at >= grant.valid_until:
        misses.append(f"date {request.at:%Y-%m-%d} (until {grant.valid_until:%Y-%m-%d})")
    if productions and request.production_id not in productions:
        misses.append("this production")
    return misses


def _cite(grant) -> str:
    section = f" {grant.section}" if grant.section else ""
    return f"license {grant.license.reference}{section}"


def _refs(grant, asset) -> dict:
    return {
        "license": grant.license.reference,
        "license_id": grant.license_id,
        "grant": grant.pk,
        "asset": asset.pk,
    }


def grant_reasons(request, facts, asset, action, label, *, needs_permission: bool) -> list[Reason]:
    permissions, prohibitions, dormant, near_misses = [], [], [], []
    for grant in facts.grants:
        if grant.action != action or not covers_asset(facts, grant.license, asset):
            continue
        not_in_force = license_in_force(grant.license, request.at)
        if not_in_force:
            dormant.append((grant, not_in_force))
            continue
        prohibition = grant.kind == GrantKind.PROHIBITION
        misses = constraint_misses(
            grant, request, facts.grant_productions.get(grant.pk, set()), strict=not prohibition
        )
        if prohibition and not misses:
            prohibitions.append(grant)
        elif not prohibition and not misses:
            permissions.append(grant)
        elif not prohibition:
            near_misses.append((grant, misses))
    if prohibitions:
        return [
            Reason(
                "prohibition",
                True,
                f"{label}: {action} is prohibited by {_cite(g)}.",
                _refs(g, asset),
            )
            for g in prohibitions
        ]
    if permissions:
        return [
            Reason(
                "grant",
                False,
                f"{label}: {action} permitted by {_cite(g)}.",
                _refs(g, asset) | _duties(g),
            )
            for g in permissions
        ]
    if not needs_permission:
        return []
    return [_no_grant(request, asset, action, label, dormant, near_misses)]


def _duties(grant) -> dict:
    duties = {}
    if grant.attribution:
        duties["attribution"] = grant.attribution
    if grant.notice:
        duties["notice"] = grant.notice
    return duties


def _no_grant(request, asset, action, label, dormant, near_misses) -> Reason:
    message = (
        f"{label}: no grant covers {action} in territory {request.territory}, media {request.media}"
        f" on {request.at:%Y-%m-%d}."
    )
    notes = [f"{_cite(g)} is {why}" for g, why in dormant]
    notes += [f"{_cite(g)} does not cover {', '.join(misses)}" for g, misses in near_misses]
    if notes:
        message = message[:-1] + " (" + "; ".join(notes) + ")."
    return Reason("no_grant", True, message, {"asset": asset.pk, "action": action})


def _consent_state(consent, request, productions) -> str | None:
    """None when the consent holds for this use; else why not."""
    revocation = getattr(consent, "revocation", None)
    if revocation is not None and revocation.revoked_at <= request.at:
        return f"revoked on {revocation.revoked_at:%Y-%m-%d}"
    if request.at < consent.valid_from:
        return f"not valid before {consent.valid_from:%Y-%m-%d}"
    if consent.valid_until is not None and request.at >= consent.valid_until:
        return f"expired on {consent.valid_until:%Y-%m-%d}"
    if request.production_id not in productions:
        return "given for other productions"
    return None


def _signature_problem(person, consent) -> str | None:
    if person.is_minor and not consent.guardian_signature:
        return f"{person.name} is a minor and the consent has no guardian signature"
    if person.is_deceased and not consent.representative_signature:
        return f"{person.name} is deceased and the consent was not given by their representative"
    return None


def consent_reasons(request, facts, people: dict, scopes) -> list[Reason]:
    reasons = []
    for person in people.values():
        for scope in scopes:
            reasons.append(_consent_reason(request, facts, person, scope))
    return reasons


def _consent_reason(request, facts, person, scope) -> Reason:
    refs = {"person": person.pk, "scope": scope}
    problems = []
    for consent in facts.consents.get(person.pk, []):
        if consent.scope != scope:
            continue
        state = _consent_state(consent, request, facts.consent_productions.get(consent.pk, set()))
        signature = _signature_problem(person, consent)
        if state is None and signature is None:
            return Reason(
                "consent",
                False,
                f"Consent of {person.name} for {scope} (signed by {consent.signed_by}).",
                refs | {"consent": consent.pk},
            )
        problems.append((consent, state or signature))
    if not problems:
        return Reason("no_consent", True, f"No consent from {person.name} for {scope}.", refs)
    consent, why = problems[-1]
    code = "consent_revoked" if why.startswith("revoked") else "consent_invalid"
    if why.startswith(person.name):
        return Reason(code, True, f"{why} ({scope}).", refs | {"consent": consent.pk})
    return Reason(
        code, True, f"Consent of {person.name} for {scope} {why}.", refs | {"consent": consent.pk}
    )
