"""Shared parts of the legal reports: the Report shape, parameter parsing, scope, lineage helpers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from assets.choices import LineageNode
from assets.models import Asset, Person
from editing.models import Adapter
from licensing.choices import Coverage
from licensing.models import (
    License,
    LicensedAsset,
)
from studio.choices import ScopeAction
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
