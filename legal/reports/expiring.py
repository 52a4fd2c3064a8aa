"""Licenses and consents ending within N days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from assets.models import Appearance
from legal.reports.common import AUDIT, SEP, Report, _covered, _in_scope, _int, _params, _when
from licensing.choices import LicenseStatus
from licensing.models import (
    Consent,
    License,
)

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
