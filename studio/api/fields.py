"""Serializer fields every app's API shares."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from studio.api.parsers import INT64_MAX
from studio.api.permissions import request_principal
from studio.choices import ScopeAction
from studio.models import Production


class CheckedSlugField(serializers.SlugRelatedField):
    """A related row by a text key: text that no key can be (a NUL byte, longer than the column)
    is "does not exist", never a query the database refuses."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        column = self.get_queryset().model._meta.get_field(self.slug_field)
        if "\x00" in data or (column.max_length and len(data) > column.max_length):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data[:100])
        return super().to_internal_value(data)


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


class IdField(serializers.PrimaryKeyRelatedField):
    """A related row by its id: a whole number the key column can hold, else a 400 (never a query
    with a value the database refuses)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= INT64_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(number)
