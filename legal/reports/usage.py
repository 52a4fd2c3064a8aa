"""Usage by license: what each license covers, the decisions that relied on it, what it produced."""

from __future__ import annotations

import re

from editing.models import Adapter, EditJob
from legal.reports.common import (
    AUDIT,
    SEP,
    Report,
    _covered,
    _int,
    _not_found,
    _params,
    _relied_on,
    _when,
)
from licensing.models import (
    GateEvaluation,
    License,
)

USAGE_COLUMNS = (
    "license title production licensor status coverage ends_at covered_count covered_assets"
    " decisions last_used output_count outputs"
).split()


def _subject_pk(value: str) -> int | None:
    return int(value) if re.fullmatch(r"[0-9]{1,19}", str(value)) else None


def _outputs(user, subjects: set[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    """What each gated job made: an edit job's output asset, a training run's adapter."""
    edits = {_subject_pk(pk) for kind, pk in subjects if kind == "editing.editjob"}
    runs = {_subject_pk(pk) for kind, pk in subjects if kind == "editing.trainingrun"}
    made: dict[tuple[str, str], list[str]] = {}
    jobs = EditJob.objects.restrict(user, AUDIT).filter(pk__in=edits - {None}, output__isnull=False)
    for pk, name in jobs.values_list("pk", "output__original_filename"):
        made.setdefault(("editing.editjob", str(pk)), []).append(name)
    adapters = Adapter.objects.restrict(user, AUDIT).filter(training_run_id__in=runs - {None})
    for run_id, name in adapters.values_list("training_run_id", "name"):
        made.setdefault(("editing.trainingrun", str(run_id)), []).append(f"adapter {name}")
    return made


def _usage(user, license_ids: set[int]) -> dict[int, dict]:
    """Per license: how many allowed decisions relied on one of its grants, the last, the jobs."""
    usage = {pk: {"decisions": 0, "last": None, "subjects": set()} for pk in license_ids}
    evaluations = (
        GateEvaluation.objects.restrict(user, AUDIT)
        .filter(allowed=True)
        .values_list("created_at", "reasons", "subject_type", "subject_id")
    )
    for created_at, reasons, subject_type, subject_id in evaluations:
        grants, _ = _relied_on(reasons)
        for license_id in {g.get("license_id") for g in grants} & license_ids:
            entry = usage[license_id]
            entry["decisions"] += 1
            entry["last"] = max(filter(None, (entry["last"], created_at)))
            if subject_type:
                entry["subjects"].add((subject_type, subject_id))
    return usage


def report_usage_by_license(*, user, **params) -> Report:
    """Per license: the footage it covers, the allowed decisions that relied on it (how many, the
    last) and what was made under it. About six queries."""
    given = _params(params, ("license",))
    licenses = (
        License.objects.restrict(user, AUDIT)
        .select_related("production", "licensor")
        .order_by("reference")
    )
    if "license" in given:
        licenses = licenses.filter(pk=_int(given["license"], "license"))
    licenses = list(licenses)
    if "license" in given and not licenses:
        raise _not_found("license")
    covered = _covered(user, licenses)
    usage = _usage(user, {lic.pk for lic in licenses})
    made = _outputs(user, {s for entry in usage.values() for s in entry["subjects"]})
    rows = []
    for lic in licenses:
        entry = usage[lic.pk]
        outputs = sorted({name for s in entry["subjects"] for name in made.get(s, ())})
        rows.append(
            {
                "license": lic.reference,
                "title": lic.title,
                "production": lic.production.code,
                "licensor": lic.licensor.name,
                "status": lic.status,
                "coverage": lic.coverage,
                "ends_at": _when(lic.ends_at),
                "covered_count": len(covered[lic.pk]),
                "covered_assets": SEP.join(name for _, name in covered[lic.pk]),
                "decisions": entry["decisions"],
                "last_used": _when(entry["last"]),
                "output_count": len(outputs),
                "outputs": SEP.join(outputs),
            }
        )
    title = (
        f"Usage of license {licenses[0].reference}" if "license" in given else "Usage by license"
    )
    return Report(title, list(USAGE_COLUMNS), rows)
