"""The gate's rules over loaded facts: which grants apply, which consents hold. No queries here.

Every reason carries a stable code, the ids involved and, for a miss, the dimension and the value
asked for; instants are shown whole, in the caller's time zone (``UseRequest.show``).
"""

from __future__ import annotations

from dataclasses import dataclass

from licensing import territories
from licensing.choices import GrantKind, LicenseStatus
from licensing.gate.decision import Reason, UseRequest
from licensing.models.consents import signature_problems


@dataclass(frozen=True)
class Miss:
    """Why a grant or license does not apply: a code, the dimension, the value asked, the limit."""

    code: str
    dimension: str
    value: str
    words: str
    limit: str = ""


def _iso(instant) -> str:
    return instant.isoformat()


def license_in_force(license, at, show=_iso) -> Miss | None:
    """None when the license grants anything at ``at``; else why not (instants worded by ``show``)."""
    if license.status != LicenseStatus.ACTIVE:
        return Miss(
            f"license_{license.status}", "license_status", license.status, f"is {license.status}"
        )
    if at < license.starts_at:
        starts = show(license.starts_at)
        return Miss(
            "outside_window", "date", show(at), f"not yet in force (starts {starts})", starts
        )
    if license.ends_at is not None and at >= license.ends_at:
        ends = show(license.ends_at)
        return Miss("license_expired", "date", show(at), f"expired at {ends}", ends)
    return None


def constraint_misses(grant, request: UseRequest, productions: set[int], *, strict: bool) -> list:
    """The constraints of ``grant`` the intended use falls outside of. ``strict`` (for permissions)
    treats an unknown language as a miss; prohibitions assume the worst instead."""
    misses = []
    territory = request.territory
    if territory in territories.expand(grant.territory_exclude):
        misses.append(
            Miss("territory_excluded", "territory", territory, f"excludes territory {territory}")
        )
    elif grant.territory_include and territory not in territories.expand(grant.territory_include):
        misses.append(
            Miss(
                "territory_not_covered",
                "territory",
                territory,
                f"does not cover territory {territory}",
            )
        )
    if grant.media and request.media not in grant.media:
        misses.append(
            Miss(
                "media_not_covered", "media", request.media, f"does not cover media {request.media}"
            )
        )
    if grant.languages and (request.language or strict) and request.language not in grant.languages:
        language = request.language or "(unspecified)"
        misses.append(
            Miss(
                "language_not_covered",
                "language",
                request.language,
                f"does not cover language {language}",
            )
        )
    show = request.show
    if grant.valid_from and request.at < grant.valid_from:
        limit = show(grant.valid_from)
        words = f"does not cover the date {show(request.at)} (from {limit})"
        misses.append(Miss("outside_window", "date", show(request.at), words, limit))
    if grant.valid_until and request.at >= grant.valid_until:
        limit = show(grant.valid_until)
        words = f"does not cover the date {show(request.at)} (until {limit}, exclusive)"
        misses.append(Miss("outside_window", "date", show(request.at), words, limit))
    if productions and request.production_id not in productions:
        misses.append(
            Miss(
                "production_not_covered",
                "production",
                str(request.production_id),
                "does not cover this production",
            )
        )
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


def _ids(grant, asset) -> dict:
    return {"asset": asset.pk, "license": grant.license_id, "grant": grant.pk}


def grant_reasons(request, facts, asset, action, label, *, needs_permission: bool) -> list[Reason]:
    permissions, prohibitions, misses = [], [], []
    for grant in facts.grants_covering(asset, action):
        dormant = license_in_force(grant.license, request.at, request.show)
        if dormant:
            misses.append((grant, dormant))
            continue
        prohibition = grant.kind == GrantKind.PROHIBITION
        grant_misses = constraint_misses(
            grant, request, facts.grant_productions.get(grant.pk, set()), strict=not prohibition
        )
        if prohibition and not grant_misses:
            prohibitions.append(grant)
        elif not prohibition and not grant_misses:
            permissions.append(grant)
        elif not prohibition:
            misses += [(grant, miss) for miss in grant_misses]
    if prohibitions:
        return [
            Reason(
                "prohibited",
                True,
                f"{label}: {action} is prohibited by {_cite(g)}.",
                _refs(g, asset),
                **_ids(g, asset),
                dimension="action",
                value=action,
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
                **_ids(g, asset),
                dimension="action",
                value=action,
            )
            for g in permissions
        ]
    if not needs_permission:
        return []
    head = (
        f"{label}: no grant covers {action} in territory {request.territory}, "
        f"media {request.media} at {request.show(request.at)}"
    )
    if not misses:
        return [
            Reason(
                "no_grant",
                True,
                head + ".",
                {"asset": asset.pk, "action": action},
                asset=asset.pk,
                dimension="action",
                value=action,
            )
        ]
    return [
        Reason(
            miss.code,
            True,
            f"{head}: {_cite(grant)} {miss.words}.",
            _refs(grant, asset) | {"action": action},
            **_ids(grant, asset),
            dimension=miss.dimension,
            value=miss.value,
            limit=miss.limit,
        )
        for grant, miss in misses
    ]


def _duties(grant) -> dict:
    duties = {}
    if grant.attribution:
        duties["attribution"] = grant.attribution
    if grant.notice:
        duties["notice"] = grant.notice
    return duties


def _consent_state(consent, request, productions) -> Miss | None:
    """None when the consent holds for this use; else why not."""
    show = request.show
    revocation = getattr(consent, "revocation", None)
    if revocation is not None and revocation.revoked_at <= request.at:
        when = show(revocation.revoked_at)
        return Miss("consent_revoked", "date", show(request.at), f"revoked at {when}", when)
    if request.at < consent.valid_from:
        when = show(consent.valid_from)
        return Miss(
            "consent_not_yet_valid", "date", show(request.at), f"not valid before {when}", when
        )
    if consent.valid_until is not None and request.at >= consent.valid_until:
        when = show(consent.valid_until)
        return Miss("consent_expired", "date", show(request.at), f"expired at {when}", when)
    if request.production_id not in productions:
        return Miss(
            "consent_production_missing",
            "production",
            str(request.production_id),
            "given for other productions",
        )
    return None


def consent_reasons(request, facts, people: dict, scopes) -> list[Reason]:
    """Each person's consent for each scope. One person's answer for one scope, instant (shown in
    the same zone) and production is the same whichever use asks, so the uses of a bulk check share
    it: the leads of a cut appear in most of its shots."""
    answers = facts.consent_answers
    use = (request.at, request.at.tzinfo, request.time_zone, request.production_id)
    reasons = []
    for person in people.values():
        for scope in scopes:
            key = (person.pk, scope, use)
            reason = answers.get(key)
            if reason is None:
                reason = answers[key] = _consent_reason(request, facts, person, scope)
            reasons.append(reason)
    return reasons


def _consent_reason(request, facts, person, scope) -> Reason:
    refs = {"person": person.pk, "scope": scope}
    ids = {"person": person.pk, "dimension": "consent_scope", "value": scope}
    problems = []
    consents = facts.consents.get(person.pk, [])
    for consent in consents:
        if consent.scope != scope:
            continue
        state = _consent_state(consent, request, facts.consent_productions.get(consent.pk, set()))
        signature = signature_problems(person, consent)
        if state is None and not signature:
            return Reason(
                "consent",
                False,
                f"Consent of {person.name} for {scope} (signed by {consent.signed_by}).",
                refs | {"consent": consent.pk},
                consent=consent.pk,
                **ids,
            )
        problems.append((consent, state, signature))
    if not problems:
        code = "consent_scope_missing" if consents else "consent_missing"
        return Reason(code, True, f"No consent from {person.name} for {scope}.", refs, **ids)
    consent, state, signature = problems[-1]
    with_consent = refs | {"consent": consent.pk}
    if state is None:
        code, words = signature[0]
        return Reason(code, True, f"{words} ({scope}).", with_consent, consent=consent.pk, **ids)
    return Reason(
        state.code,
        True,
        f"Consent of {person.name} for {scope} {state.words}.",
        with_consent,
        consent=consent.pk,
        person=person.pk,
        dimension=state.dimension,
        value=state.value,
        limit=state.limit,
    )
