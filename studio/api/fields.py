"""Serializer fields every app's API shares."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from studio.api.parsers import INT64_MAX
from studio.api.permissions import request_principal
from studio.choices import ScopeAction
from studio.models import Production


class BulkManyRelatedField(serializers.ManyRelatedField):
    """A list of related rows by key, looked up in one query whatever their number: each key is
    checked first (its type and range), then all are fetched at once; the first missing one is
    named as a single lookup would name it."""

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if not self.allow_empty and not data:
            self.fail("empty")
        child = self.child_relation
        keys = [child.key_of(item) for item in data]
        found = child.rows_by_key(keys)
        for key, item in zip(keys, data, strict=True):
            if key not in found:
                child.fail_missing(item)
        return [found[key] for key in keys]


class BulkLookupMixin:
    """``many=True`` fetches every listed row in one query (``BulkManyRelatedField``)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs |= {k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS}
        return BulkManyRelatedField(**list_kwargs)


class CheckedSlugField(BulkLookupMixin, serializers.SlugRelatedField):
    """A related row by a text key: text that no key can be (a NUL byte, longer than the column)
    is "does not exist", never a query the database refuses."""

    def key_of(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        column = self.get_queryset().model._meta.get_field(self.slug_field)
        if "\x00" in data or (column.max_length and len(data) > column.max_length):
            self.fail_missing(data)
        return data

    def rows_by_key(self, keys: list[str]) -> dict:
        rows = self.get_queryset().filter(**{f"{self.slug_field}__in": set(keys)})
        return {getattr(row, self.slug_field): row for row in rows}

    def fail_missing(self, data):
        self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])

    def to_internal_value(self, data):
        return super().to_internal_value(self.key_of(data))


@extend_schema_field(OpenApiTypes.STR)
class ProductionCodeField(CheckedSlugField):
    """A production named by its code, limited to those the caller may write to."""

    def __init__(self, scope_action: str = ScopeAction.CHANGE, **kwargs):
        self.scope_action = scope_action
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Production.objects.restrict(
            request_principal(self.context["request"]), self.scope_action
        )


class IdField(BulkLookupMixin, serializers.PrimaryKeyRelatedField):
    """A related row by its id: a whole number the key column can hold, else a 400 (never a query
    with a value the database refuses)."""

    def key_of(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= INT64_MAX:
            self.fail_missing(data)
        return number

    def rows_by_key(self, keys: list[int]) -> dict:
        return {row.pk: row for row in self.get_queryset().filter(pk__in=set(keys))}

    def fail_missing(self, data):
        self.fail("does_not_exist", pk_value=data)

    def to_internal_value(self, data):
        return super().to_internal_value(self.key_of(data))
