"""Choices for the report forms: people, footage, adapters and licenses by name, never by id.

Each picker lists what the user may audit, named the way legal staff know it; the option's value is
the id the report takes, so the same reports serve the API and the CSV unchanged.
"""

from __future__ import annotations

from assets.models import Asset, Person
from editing.models import Adapter
from licensing.models import License
from studio.choices import ScopeAction

AUDIT = ScopeAction.AUDIT
LIMIT = 2000


def people(user) -> list[tuple[str, str]]:
    rows = Person.objects.restrict(user, AUDIT).order_by("name", "pk")[:LIMIT]
    return [(str(pk), name) for pk, name in rows.values_list("pk", "name")]


def assets(user) -> list[tuple[str, str]]:
    rows = Asset.objects.restrict(user, AUDIT).order_by("original_filename", "pk")[:LIMIT]
    return [
        (str(pk), f"{name} · {code}")
        for pk, name, code in rows.values_list("pk", "original_filename", "production__code")
    ]


def adapters(user) -> list[tuple[str, str]]:
    rows = Adapter.objects.restrict(user, AUDIT).order_by("name", "pk")[:LIMIT]
    return [
        (str(pk), f"{name} · {code}")
        for pk, name, code in rows.values_list("pk", "name", "production__code")
    ]


def licenses(user) -> list[tuple[str, str]]:
    rows = License.objects.restrict(user, AUDIT).order_by("reference", "pk")[:LIMIT]
    return [
        (str(pk), f"{reference} — {title}")
        for pk, reference, title in rows.values_list("pk", "reference", "title")
    ]


IMPACT_PICKERS = {"person": people, "asset": assets, "adapter": adapters, "license": licenses}
