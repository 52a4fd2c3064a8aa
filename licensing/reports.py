"""Legal reports: what a person, footage, an adapter or a license reaches; usage by license; what
expires soon; what is tainted; the decision log; and the legal dashboard.

Each report is a selector that takes the user (or API token), sees only the productions where it may
audit, and runs a fixed number of queries whatever the number of rows. Cells are plain values
(text, numbers, booleans), so the same rows serve the HTML table, the CSV file and the JSON API.
Parameters arrive as query-string text; a malformed one raises ``ValidationError`` naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from assets.choices import AssetStatus, LineageNode
from assets.lineage import lineage_descendants
from assets.models import Appearance, Asset, Derivation, Person
from editing.choices import AdapterStatus
from editing.models import Adapter, EditJob, TrainingRun
from licensing.choices import ClearanceStatus, Coverage, LicenseStatus, RightsAction
from licensing.models import (
    ClearanceRequest,
    Consent,
    GateEvaluation,
    License,
    LicensedAsset,
    TaintRecord,
)
from studio.choices import ScopeAction
from studio.models import Production
from studio.scoping import allowed_production_ids

AUDIT = ScopeAction.AUDIT
MAX_ID = 2**63 - 1
SEP = "; "
Key = tuple[str, int]


@dataclass
class Report:
    title: str
    columns: list[str]
    rows: list[dict] = field(default_factory=list)


# --- parameters -------------------------------------------------------------------------------


def _params(params: dict, allowed: Iterable[str]) -> dict:
    """The given parameters, blanks dropped (an empty form field means "not given")."""
    given = {name: value for name, value in params.items() if value not in (None, "")}
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValidationError({name: "Unknown parameter." for name in unknown})
    return given


def _int(value, name: str, *, low: int = 1, high: int = MAX_ID) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,19}", text) or not low <= int(text) <= high:
        raise ValidationError({name: f"Give a whole number from {low} to {high}."})
    return int(text)


def _bool(value, name: str) -> bool:
    text = str(value).strip().lower()
    if text not in ("true", "false", "1", "0"):
        raise ValidationError({name: "Give true or false."})
    return text in ("true", "1")


def _moment(value, name: str, *, end: bool) -> dt.datetime:
    """An ISO date or date-time; a date as ``until`` includes that whole day."""
    text = str(value).strip()
    try:
        day = parse_date(text)
        moment = None if day else parse_datetime(text)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValidationError({name: "Give an ISO date (2026-03-01) or date-time."})
    if day is not None:
        moment = dt.datetime.combine(day + dt.timedelta(days=int(end)), dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _not_found(name: str) -> ValidationError:
    return ValidationError({name: f"No such {name}."})


# --- shared lookups ---------------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _in_scope(queryset, user, field_name: str):
    """``queryset`` narrowed to rows whose ``field_name`` is a production the user may audit."""
    ids = allowed_production_ids(user, AUDIT)
    return queryset if ids is None else queryset.filter(**{f"{field_name}__in": ids})


def _nodes(user, keys: Iterable[Key]) -> dict[Key, Asset | Adapter]:
    """The assets and adapters among ``keys`` the user may audit (a query per kind)."""
    ids: dict[str, set[int]] = {LineageNode.ASSET: set(), LineageNode.ADAPTER: set()}
    for node_type, node_id in keys:
        ids.get(node_type, set()).add(node_id)
    found: dict[Key, Asset | Adapter] = {}
    for node_type, model, label in (
        (LineageNode.ASSET, Asset, "original_filename"),
        (LineageNode.ADAPTER, Adapter, "name"),
    ):
        rows = (
            model.objects.restrict(user, AUDIT)
            .filter(pk__in=ids[node_type])
            .select_related("production")
            .only(label, "status", "status_reason", "production__code")
        )
        found |= {(node_type, row.pk): row for row in rows}
    return found


def _label(node) -> str:
    return node.original_filename if isinstance(node, Asset) else node.name


def _relied_on(reasons) -> tuple[list[dict], list[dict]]:
    """The refs of the grants and the consents a decision relied on (its non-blocking reasons)."""
    grants, consents = [], []
    for reason in reasons if isinstance(reasons, list) else []:
        if not isinstance(reason, dict) or reason.get("blocking"):
            continue
        refs = reason.get("refs") if isinstance(reason.get("refs"), dict) else {}
        if reason.get("code") == "grant":
            grants.append(refs)
        elif reason.get("code") == "consent":
            consents.append(refs)
    return grants, consents


def _license_text(grants: Iterable[dict]) -> str:
    names = {g.get("license") or f"license #{g.get('license_id')}" for g in grants}
    return SEP.join(sorted(names))


def _consent_text(consents: Iterable[dict], people: dict[int, str]) -> str:
    names = set()
    for consent in consents:
        person = consent.get("person")
        name = people.get(person, f"person #{person}")
        names.add(f"{name} ({consent.get('scope', '')})")
    return SEP.join(sorted(names))


def _people(consent_lists: Iterable[list[dict]]) -> dict[int, str]:
    ids = {c.get("person") for consents in consent_lists for c in consents}
    ids = {pk for pk in ids if isinstance(pk, int)}
    return dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))


def _covered(user, licenses: list[License]) -> dict[int, list[tuple[int, str]]]:
    """(asset id, filename) of the footage each license covers: listed, by production or by rights
    holder, as the gate reads coverage; only footage the user may audit. At most two queries."""
    covered: dict[int, list[tuple[int, str]]] = {lic.pk: [] for lic in licenses}
    visible = Asset.objects.restrict(user, AUDIT).values("pk")
    listed = [lic.pk for lic in licenses if lic.coverage == Coverage.LISTED]
    for license_id, asset_id, name in LicensedAsset.objects.filter(
        license_id__in=listed, asset__in=visible
    ).values_list("license_id", "asset_id", "asset__original_filename"):
        covered[license_id].append((asset_id, name))
    wide: dict[int, list[License]] = {}
    for lic in licenses:
        if lic.coverage != Coverage.LISTED:
            wide.setdefault(lic.production_id, []).append(lic)
    if wide:
        rows = Asset.objects.filter(pk__in=visible, production_id__in=wide).values_list(
            "pk", "production_id", "original_filename", "rights_holder__party_id"
        )
        for asset_id, production_id, name, holder in rows.order_by("pk"):
            for lic in wide[production_id]:
                if lic.coverage == Coverage.PRODUCTION or holder == lic.licensor_id:
                    covered[lic.pk].append((asset_id, name))
    return {pk: sorted(items, key=lambda item: (item[1], item[0])) for pk, items in covered.items()}


# --- impact -----------------------------------------------------------------------------------

IMPACT_SUBJECTS = ("person", "asset", "adapter", "license")
IMPACT_COLUMNS = "node_type id label production status depth produced_by licenses consents".split()


def _impact_person(user, pk: int) -> tuple[str, list[Key], bool]:
    person = Person.objects.restrict(user, AUDIT).filter(pk=pk).only("name").first()
    if person is None:
        raise _not_found("person")
    assets = Appearance.objects.restrict(user, AUDIT).filter(person_id=pk)
    ids = sorted(set(assets.values_list("asset_id", flat=True)))
    return f"Impact of {person.name}", [(LineageNode.ASSET, i) for i in ids], True


def _impact_node(model, node_type: str):
    def seeds(user, pk: int) -> tuple[str, list[Key], bool]:
        node = model.objects.restrict(user, AUDIT).filter(pk=pk).first()
        if node is None:
            raise _not_found(node_type)
        return f"Impact of {_label(node)}", [(node_type, pk)], False

    return seeds


def _impact_license(user, pk: int) -> tuple[str, list[Key], bool]:
    license = License.objects.restrict(user, AUDIT).filter(pk=pk).first()
    if license is None:
        raise _not_found("license")
    covered = _covered(user, [license])[license.pk]
    seeds = sorted((LineageNode.ASSET, asset_id) for asset_id, _ in covered)
    return f"Impact of license {license.reference}", seeds, True


IMPACT_SEEDS: dict[str, Callable[..., tuple[str, list[Key], bool]]] = {
    "person": _impact_person,
    "asset": _impact_node(Asset, LineageNode.ASSET),
    "adapter": _impact_node(Adapter, LineageNode.ADAPTER),
    "license": _impact_license,
}


def _producers(user, keys: set[Key]) -> dict[Key, set[Key]]:
    """The activities (edit jobs, training runs) that made each node, from its lineage edges."""
    edges = (
        Derivation.objects.restrict(user, AUDIT)
        .filter(
            output_type__in={t for t, _ in keys},
            output_id__in={i for _, i in keys},
            activity_id__isnull=False,
        )
        .values_list("output_type", "output_id", "activity_type", "activity_id")
        .distinct()
    )
    made: dict[Key, set[Key]] = {}
    for output_type, output_id, activity_type, activity_id in edges:
        if (output_type, output_id) in keys:
            made.setdefault((output_type, output_id), set()).add((activity_type, activity_id))
    return made


def _activity_reasons(user, activities: set[Key]) -> dict[Key, list]:
    """The reasons of the decision each job ran under: the gate at start, else the one at submit.
    A training run without either falls back on its frozen ledger."""
    found: dict[Key, list] = {}
    for kind, model in (("edit_job", EditJob), ("training_run", TrainingRun)):
        ids = {pk for activity, pk in activities if activity == kind}
        extra = ("ledger",) if model is TrainingRun else ()
        rows = (
            model.objects.restrict(user, AUDIT)
            .filter(pk__in=ids)
            .values_list("pk", "start_evaluation__reasons", "submit_evaluation__reasons", *extra)
        )
        for pk, at_start, at_submit, *ledger in rows:
            reasons = at_start if at_start is not None else at_submit
            if reasons is None and ledger and isinstance(ledger[0], dict):
                reasons = [{"code": "grant", "refs": r} for r in ledger[0].get("grants", [])]
                reasons += [{"code": "consent", "refs": r} for r in ledger[0].get("consents", [])]
            found[(kind, pk)] = reasons or []
    return found


def report_impact(*, user, **params) -> Report:
    """Everything containing a person, footage, an adapter or a license's footage: the footage
    itself (for a person or a license), everything made from it, and the licenses and consents the
    gate relied on for the edit or training that made each node. About nine queries."""
    given = _params(params, IMPACT_SUBJECTS)
    if len(given) != 1:
        names = list(given) or list(IMPACT_SUBJECTS)
        message = "Give exactly one of person, asset, adapter or license."
        raise ValidationError({name: message for name in names})
    [(name, value)] = given.items()
    title, seeds, include_seeds = IMPACT_SEEDS[name](user, _int(value, name))
    depth: dict[Key, int] = {seed: 0 for seed in seeds} if include_seeds else {}
    for node in lineage_descendants(seeds):
        depth.setdefault((node.type, node.id), node.depth)
    nodes = _nodes(user, depth)
    producers = _producers(user, set(nodes))
    reasons = _activity_reasons(user, {a for made in producers.values() for a in made})
    relied = {key: _relied_on(value) for key, value in reasons.items()}
    people = _people(consents for _, consents in relied.values())
    rows = []
    for key in sorted(nodes, key=lambda k: (depth[k], k)):
        node, activities = nodes[key], sorted(producers.get(key, ()))
        grants = [g for a in activities for g in relied.get(a, ([], []))[0]]
        consents = [c for a in activities for c in relied.get(a, ([], []))[1]]
        rows.append(
            {
                "node_type": key[0],
                "id": key[1],
                "label": _label(node),
                "production": node.production.code,
                "status": node.status,
                "depth": depth[key],
                "produced_by": SEP.join(f"{kind} #{pk}" for kind, pk in activities),
                "licenses": _license_text(grants),
                "consents": _consent_text(consents, people),
            }
        )
    return Report(title, list(IMPACT_COLUMNS), rows)


# --- usage by license -------------------------------------------------------------------------

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


# --- expiring ---------------------------------------------------------------------------------

EXPIRING_COLUMNS = ["kind", "id", "name", "production", "party", "ends_at", "days_left", "covers"]


def _expiring_licenses(user, now: dt.datetime, until: dt.datetime) -> list[dict]:
    licenses = list(
        License.objects.restrict(user, AUDIT)
        .filter(status=LicenseStatus.ACTIVE, ends_at__gt=now, ends_at__lte=until)
        .select_related("production", "licensor")
        .order_by("ends_at", "reference")
    )
    covered = _covered(user, licenses)
    return [
        {
            "kind": "license",
            "id": lic.pk,
            "name": f"{lic.reference} — {lic.title}",
            "production": lic.production.code,
            "party": lic.licensor.name,
            "ends_at": lic.ends_at,
            "covers": f"{lic.get_coverage_display()}: " + SEP.join(n for _, n in covered[lic.pk]),
        }
        for lic in licenses
    ]


def _expiring_consents(user, now: dt.datetime, until: dt.datetime) -> list[dict]:
    consents = list(
        Consent.objects.restrict(user, AUDIT)
        .filter(revocation__isnull=True, valid_until__gt=now, valid_until__lte=until)
        .select_related("person")
        .order_by("valid_until", "pk")
    )
    links = _in_scope(Consent.productions.through.objects, user, "production_id").filter(
        consent_id__in=[c.pk for c in consents]
    )
    codes: dict[int, dict[int, str]] = {}
    for consent_id, production_id, code in links.values_list(
        "consent_id", "production_id", "production__code"
    ):
        codes.setdefault(consent_id, {})[production_id] = code
    seen = Appearance.objects.restrict(user, AUDIT).filter(
        person_id__in={c.person_id for c in consents}
    )
    footage: dict[int, list[tuple[int, str]]] = {}
    for person_id, production_id, name in seen.values_list(
        "person_id", "asset__production_id", "asset__original_filename"
    ).order_by("asset__original_filename", "asset_id"):
        footage.setdefault(person_id, []).append((production_id, name))
    rows = []
    for consent in consents:
        productions = codes.get(consent.pk, {})
        names = [n for p, n in footage.get(consent.person_id, []) if p in productions]
        rows.append(
            {
                "kind": "consent",
                "id": consent.pk,
                "name": f"{consent.person.name} — {consent.scope}",
                "production": SEP.join(sorted(productions.values())),
                "party": consent.person.name,
                "ends_at": consent.valid_until,
                "covers": f"{consent.get_scope_display()}: " + SEP.join(dict.fromkeys(names)),
            }
        )
    return rows


def report_expiring(*, user, **params) -> Report:
    """Active licenses and standing consents that end within ``days`` (1 to 3650, default 30),
    soonest first, with the footage each covers. About six queries."""
    given = _params(params, ("days",))
    days = _int(given.get("days", 30), "days", low=1, high=3650)
    now = timezone.now()
    until = now + dt.timedelta(days=days)
    items = _expiring_licenses(user, now, until) + _expiring_consents(user, now, until)
    items.sort(key=lambda item: (item["ends_at"], item["kind"], item["id"]))
    for item in items:
        item["days_left"] = round((item["ends_at"] - now).total_seconds() / 86400)
        item["ends_at"] = _when(item["ends_at"])
    rows = [{column: item[column] for column in EXPIRING_COLUMNS} for item in items]
    return Report(f"Expiring within {days} days", list(EXPIRING_COLUMNS), rows)


# --- tainted ----------------------------------------------------------------------------------

TAINTED_COLUMNS = "node_type id label production status cause reason since path".split()


def _path_text(path, labels: dict[Key, Asset | Adapter]) -> str:
    steps = []
    for step in path if isinstance(path, list) else []:
        key = tuple(step) if isinstance(step, list) and len(step) == 2 else None
        node = labels.get(key) if key else None
        steps.append(_label(node) if node else f"{key[0]} #{key[1]}" if key else str(step))
    return " → ".join(steps)


def _taint_rows(records: list[TaintRecord], nodes: dict, user) -> list[dict]:
    labels = _nodes(user, {tuple(s) for r in records for s in r.path if len(s) == 2})
    rows = []
    for record in records:
        node = nodes[(record.node_type, record.node_id)]
        rows.append(
            {
                "node_type": record.node_type,
                "id": record.node_id,
                "label": _label(node),
                "production": node.production.code,
                "status": node.status,
                "cause": record.run.cause_label,
                "reason": record.reason,
                "since": _when(record.created_at),
                "path": _path_text(record.path, labels),
            }
        )
    return rows


def report_tainted(*, user, **params) -> Report:
    """Tainted and withdrawn assets and adapters: one row per active taint cause (with its reason,
    date and lineage path), or the status reason where no cause is on record. About five queries."""
    _params(params, ())
    marked = {
        LineageNode.ASSET: Asset.objects.filter(
            status__in=[AssetStatus.TAINTED, AssetStatus.WITHDRAWN]
        ),
        LineageNode.ADAPTER: Adapter.objects.filter(
            status__in=[AdapterStatus.TAINTED, AdapterStatus.WITHDRAWN]
        ),
    }
    nodes: dict[Key, Asset | Adapter] = {}
    for node_type, queryset in marked.items():
        label = "original_filename" if node_type == LineageNode.ASSET else "name"
        rows = queryset.restrict(user, AUDIT).select_related("production")
        rows = rows.only(label, "status", "status_reason", "production__code")
        nodes |= {(node_type, row.pk): row for row in rows}
    match = Q()
    for node_type, queryset in marked.items():
        visible = queryset.restrict(user, AUDIT).values("pk")
        match |= Q(node_type=node_type, node_id__in=visible)
    records = list(
        TaintRecord.objects.restrict(user, AUDIT)
        .filter(match, lifted_at__isnull=True)
        .select_related("run")
        .order_by("node_type", "node_id", "created_at", "pk")
    )
    rows = _taint_rows([r for r in records if (r.node_type, r.node_id) in nodes], nodes, user)
    explained = {(r.node_type, r.node_id) for r in records}
    for key, node in nodes.items():
        if key not in explained:
            rows.append(
                {
                    "node_type": key[0],
                    "id": key[1],
                    "label": _label(node),
                    "production": node.production.code,
                    "status": node.status,
                    "cause": "",
                    "reason": node.status_reason,
                    "since": "",
                    "path": "",
                }
            )
    rows.sort(key=lambda row: (row["production"], row["node_type"], row["id"], row["since"]))
    return Report("Tainted and withdrawn", list(TAINTED_COLUMNS), rows)


# --- decisions --------------------------------------------------------------------------------

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


# --- registry, access, dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    select: Callable[..., Report]
    params: tuple[Param, ...] = ()
    needs_params: bool = False


_ID_HELP = "an id (exactly one of person, asset, adapter, license)"
REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "impact",
            "Impact",
            "Everything containing a person, footage, an adapter or a license's footage.",
            report_impact,
            tuple(Param(name, name.capitalize(), help=_ID_HELP) for name in IMPACT_SUBJECTS),
            needs_params=True,
        ),
        ReportSpec(
            "usage_by_license",
            "Usage by license",
            "Per license: covered footage, decisions that relied on it, outputs made under it.",
            report_usage_by_license,
            (Param("license", "License", help="a license id; empty for every license"),),
        ),
        ReportSpec(
            "expiring",
            "Expiring soon",
            "Active licenses and standing consents ending within a number of days.",
            report_expiring,
            (Param("days", "Days", help="1 to 3650; 30 if empty"),),
        ),
        ReportSpec(
            "tainted",
            "Tainted and withdrawn",
            "Tainted and withdrawn assets and adapters, with their causes and paths.",
            report_tainted,
        ),
        ReportSpec(
            "decisions",
            "Decision log",
            "Every gate decision: who asked, what, the answer and why.",
            report_decisions,
            (
                Param(
                    "allowed", "Allowed", (("", "any"), ("true", "allowed"), ("false", "denied"))
                ),
                Param("action", "Action", (("", "any"), *RightsAction.choices)),
                Param("since", "Since", help="ISO date or date-time"),
                Param("until", "Until", help="ISO date (inclusive) or date-time"),
            ),
        ),
    )
}


def may_audit(user) -> bool:
    """Whether the user (or token) may read legal reports of at least one production."""
    ids = allowed_production_ids(user, AUDIT)
    return ids is None or Production.objects.filter(pk__in=ids).exists()


@dataclass
class Dashboard:
    pending: list[ClearanceRequest]
    expiring: Report
    recent_taint: list[dict]


RECENT_TAINT_DAYS = 7
RECENT_TAINT_LIMIT = 100


def legal_dashboard(*, user) -> Dashboard:
    """Pending clearance requests, what expires within 30 days, taint recorded in the last week."""
    pending = list(
        ClearanceRequest.objects.restrict(user, AUDIT)
        .filter(status=ClearanceStatus.PENDING)
        .select_related("production")
        .prefetch_related("assets")
        .order_by("created_at", "pk")
    )
    since = timezone.now() - dt.timedelta(days=RECENT_TAINT_DAYS)
    records = list(
        TaintRecord.objects.restrict(user, AUDIT)
        .filter(created_at__gte=since)
        .select_related("run", "production")
        .order_by("-created_at", "-pk")[:RECENT_TAINT_LIMIT]
    )
    nodes = _nodes(user, {(r.node_type, r.node_id) for r in records})
    recent = [
        {
            "node": _label(nodes[key]) if key in nodes else f"{key[0]} #{key[1]}",
            "node_type": record.node_type,
            "production": record.production.code,
            "cause": record.run.cause_label,
            "reason": record.reason,
            "since": record.created_at,
            "lifted_at": record.lifted_at,
        }
        for record in records
        for key in [(record.node_type, record.node_id)]
    ]
    return Dashboard(pending, report_expiring(user=user, days=30), recent)
