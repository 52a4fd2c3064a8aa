"""People, footage, adapters and licenses found by name for the report forms, never by id.

A picker searches what the user may audit, named the way legal staff know it; the value it hands the
report is the id, so the same reports serve the API and the CSV unchanged. A name typed in full
without picking from the list resolves when exactly one visible row bears it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When

from assets.models import Asset, Person
from editing.models import Adapter
from licensing.models import License
from studio.choices import ScopeAction
from studio.values import row_id

AUDIT = ScopeAction.AUDIT
MIN_QUERY = 2
MAX_QUERY = 200
MATCHES = 20


@dataclass(frozen=True)
class Picker:
    """One kind of subject: its model, the fields its name is searched in, and its label."""

    model: type
    noun: str
    plural: str
    names: tuple[str, ...]
    label_fields: tuple[str, ...]
    separator: str

    def rows(self, user):
        return self.model.objects.restrict(user, AUDIT)

    def label(self, values: tuple) -> str:
        return self.separator.join(str(v) for v in values if v not in (None, ""))

    def search(self, user, text: str) -> list[dict]:
        """Up to MATCHES rows whose name contains the text, those starting with it first."""
        text = text.strip()[:MAX_QUERY]
        if len(text) < MIN_QUERY:
            return []
        contains = Q()
        starts = Q()
        for name in self.names:
            contains |= Q(**{f"{name}__icontains": text})
            starts |= Q(**{f"{name}__istartswith": text})
        rank = Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())
        rows = (
            self.rows(user)
            .filter(contains)
            .annotate(_rank=rank)
            .order_by("_rank", self.names[0], "pk")
            .values_list("pk", *self.label_fields)[:MATCHES]
        )
        return [{"id": pk, "label": self.label(values)} for pk, *values in rows]

    def label_of(self, user, pk: str) -> str:
        """The label of a visible row by id; empty for an unknown or hidden one."""
        pk = row_id(str(pk))
        if pk is None:
            return ""
        row = self.rows(user).filter(pk=pk).values_list(*self.label_fields).first()
        return self.label(row) if row else ""

    def resolve(self, user, text: str, field: str) -> int:
        """The id of the one visible row named exactly `text` (its name or its full label)."""
        text = text.strip()
        if len(text) > MAX_QUERY:
            raise ValidationError({field: f"A {self.noun} name is at most {MAX_QUERY} characters."})
        exact = Q()
        for name in self.names:
            exact |= Q(**{f"{name}__iexact": text})
        found = set(self.rows(user).filter(exact).values_list("pk", flat=True)[:MATCHES])
        head = text.split(self.separator)[0] if self.separator in text else None
        if not found and head:
            found = {
                pk
                for pk, *values in self.rows(user)
                .filter(**{f"{self.names[0]}__iexact": head.strip()})
                .values_list("pk", *self.label_fields)[:MATCHES]
                if self.label(values).casefold() == text.casefold()
            }
        if len(found) == 1:
            return found.pop()
        if not found:
            raise ValidationError({field: f"No {self.noun} is named “{text}”."})
        raise ValidationError(
            {field: f"{len(found)} {self.plural} are named “{text}”; pick one from the list."}
        )


IMPACT_PICKERS: dict[str, Picker] = {
    "person": Picker(Person, "person", "people", ("name",), ("name",), " · "),
    "asset": Picker(
        Asset,
        "asset",
        "assets",
        ("original_filename",),
        ("original_filename", "production__code"),
        " · ",
    ),
    "adapter": Picker(
        Adapter, "adapter", "adapters", ("name",), ("name", "production__code"), " · "
    ),
    "license": Picker(
        License, "license", "licenses", ("reference", "title"), ("reference", "title"), " — "
    ),
}
