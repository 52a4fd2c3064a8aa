"""The decision log: who asked, what was allowed or denied, and why."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from assets.models import Asset
from legal.reports.common import (
    AUDIT,
    SEP,
    Report,
    _bool,
    _consent_text,
    _license_text,
    _moment,
    _params,
    _people,
    _relied_on,
    _when,
)
from licensing.choices import RightsAction
from licensing.models import (
    GateEvaluation,
)

DECISION_COLUMNS = (
    "id when evaluated_by production action subject assets allowed blocking licenses consents"
).split()


def _decision_filter(given: dict) -> Q:
    match = Q()
    if "allowed" in given:
        match &= Q(allowed=_bool(given["allowed"], "allowed"))
    if "action" in given:
        if given["action"] not in RightsAction.values:
            raise ValidationError({"action": f"Give one of {', '.join(RightsAction.values)}."})
        match &= Q(action=given["action"])
    since = _moment(given["since"], "since", end=False) if "since" in given else None
    until = _moment(given["until"], "until", end=True) if "until" in given else None
    if since and until and since >= until:
        raise ValidationError({"until": "Give an end after since."})
    if since:
        match &= Q(created_at__gte=since)
    if until:
        match &= Q(created_at__lt=until)
    return match


def report_decisions(*, user, **params) -> Report:
    """The decision log, newest first: who asked, when, for what, on which footage, the answer,
    what blocked it and which grants and consents it relied on. Three queries."""
    given = _params(params, ("allowed", "action", "since", "until"))
    evaluations = list(
        GateEvaluation.objects.restrict(user, AUDIT)
        .filter(_decision_filter(given))
        .select_related("production")
        .order_by("-created_at", "-pk")
    )
    asset_ids = {
        pk
        for e in evaluations
        for pk in (e.request.get("asset_ids", []) if isinstance(e.request, dict) else [])
        if isinstance(pk, int)
    }
    names = dict(
        Asset.objects.restrict(user, AUDIT)
        .filter(pk__in=asset_ids)
        .values_list("pk", "original_filename")
    )
    relied = {e.pk: _relied_on(e.reasons) for e in evaluations}
    people = _people(consents for _, consents in relied.values())
    rows = []
    for e in evaluations:
        requested = e.request.get("asset_ids", []) if isinstance(e.request, dict) else []
        reasons = e.reasons if isinstance(e.reasons, list) else []
        blocking = [r for r in reasons if isinstance(r, dict) and r.get("blocking")]
        rows.append(
            {
                "id": e.pk,
                "when": _when(e.created_at),
                "evaluated_by": e.evaluated_by,
                "production": e.production.code,
                "action": e.action,
                "subject": f"{e.subject_type} #{e.subject_id}" if e.subject_type else "",
                "assets": SEP.join(names.get(pk, f"asset #{pk}") for pk in requested),
                "allowed": e.allowed,
                "blocking": " | ".join(str(r.get("message", "")) for r in blocking),
                "licenses": _license_text(relied[e.pk][0]),
                "consents": _consent_text(relied[e.pk][1], people),
            }
        )
    return Report("Decision log", list(DECISION_COLUMNS), rows)
