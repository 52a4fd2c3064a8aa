"""The impact report: everything containing a person, a piece of footage, an adapter or a license."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from assets.choices import LineageNode
from assets.lineage import lineage_descendants
from assets.models import Appearance, Asset, Derivation, Person
from editing.models import Adapter, EditJob, TrainingRun
from legal.reports.common import (
    AUDIT,
    SEP,
    Key,
    Report,
    _consent_text,
    _covered,
    _int,
    _label,
    _license_text,
    _nodes,
    _not_found,
    _params,
    _people,
    _relied_on,
)
from licensing.models import (
    License,
)

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
