"""The filter backend every list uses: each FilterSet's form is bounded before it reaches the
database, so an id beyond 64 bits, a date whose UTC instant falls outside years 1–9999, or a
number no column can hold is a 400 naming the filter, never a 500; and a yes/no filter given
anything but true or false is a 400 too, never a list left unfiltered."""

from __future__ import annotations

import copy
import datetime as dt
import functools

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django_filters import rest_framework as drf_filters
from django_filters.filters import FilterMethod, QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BooleanWidget

from studio.api.parsers import INT64_MAX, INT64_MIN

ID_MESSAGE = f"Give an id: a whole number from 1 to {INT64_MAX}."


def _checked_ids(clean):
    @functools.wraps(clean)
    def wrapper(value):
        values = value if isinstance(value, list | tuple) else [value]
        for raw in values:
            if raw in (None, ""):
                continue
            try:
                number = int(str(raw).strip())
            except ValueError:
                raise ValidationError(ID_MESSAGE) from None
            if not 1 <= number <= INT64_MAX:
                raise ValidationError(ID_MESSAGE)
        return clean(value)

    return wrapper


def _checked_instant(clean):
    @functools.wraps(clean)
    def wrapper(value):
        cleaned = clean(value)
        if isinstance(cleaned, dt.datetime) and cleaned.tzinfo is not None:
            try:
                # In UTC: the instant is kept, and PostgreSQL takes no offset beyond ±15:59.
                return cleaned.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError("Give a date-time between the years 1 and 9999.") from None
        return cleaned

    return wrapper


BOOLEAN_MESSAGE = "Give true or false."


class _YesNoWidget(BooleanWidget):
    """``true``/``false`` (or ``1``/``0``), in any case; anything else is handed on as given, for
    the field to refuse (django-filter's widgets read it as "no filter")."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        given = data.get(name)
        return given if value is None and given not in (None, "") else value


def _checked_boolean(clean):
    @functools.wraps(clean)
    def wrapper(value):
        if isinstance(value, str) and value:
            raise ValidationError(BOOLEAN_MESSAGE)
        return clean(value)

    return wrapper


def bound_filter_form(fields: dict[str, forms.Field]) -> None:
    """Harden the fields of a FilterSet's form in place (see the module docstring): a form class's
    ``base_fields`` once, or one form's own ``fields``."""
    for field in fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.to_field_name in (None, "pk", "id"):
            field.clean = _checked_ids(field.clean)
        elif isinstance(field, forms.DecimalField | forms.IntegerField | forms.FloatField):
            field.validators += [MinValueValidator(INT64_MIN), MaxValueValidator(INT64_MAX)]
        elif isinstance(field, forms.DateTimeField):
            field.clean = _checked_instant(field.clean)
        elif isinstance(field, forms.NullBooleanField):
            field.widget = _YesNoWidget()
            field.clean = _checked_boolean(field.clean)


def _copy_filter(filter_):
    copied = copy.copy(filter_)
    if isinstance(copied.__dict__.get("filter"), FilterMethod):  # bound to the filter it serves
        copied.filter = FilterMethod(copied)
    return copied


class _CopiedPerRequest(dict):
    """A FilterSet's ``base_filters``, which each FilterSet instance copies: filter by filter, not
    deeply (the filters' choices, querysets and options are only read, and the parent and model
    django-filter sets go on the copy). The deep copy was a fifth of a detail request's time."""

    def __deepcopy__(self, memo):
        return {name: _copy_filter(filter_) for name, filter_ in self.items()}


class _SharedFormFields(dict):
    """A filter form class's ``base_fields``, which Django deep-copies into every form: copied
    field by field, shallowly. The fields are hardened once, when the form class is made
    (``bound_filter_form``), and only read after that: validating a query string or rendering the
    browsable API's filter form changes neither a field nor its widget, choices or queryset (a
    ``ModelChoiceField`` reads its queryset through new querysets or ``iterator()``, so nothing is
    cached on the shared one). The deep copy was an eighth of a 100-row list's time."""

    def __deepcopy__(self, memo):
        return {name: copy.copy(field) for name, field in self.items()}


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class made (and hardened) once per FilterSet rather
    than once per request (a new class, and a form field per filter, on every list request), its
    form's fields and its filters copied shallowly (``_SharedFormFields``, ``_CopiedPerRequest``).
    So a filter whose form field depends on the request (a callable queryset) has no place here."""

    def __init__(self, *args, **kwargs):
        cls = type(self)
        if not isinstance(cls.__dict__.get("base_filters"), _CopiedPerRequest):
            cls.base_filters = _CopiedPerRequest(cls.base_filters)
        super().__init__(*args, **kwargs)

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            per_request = [
                name
                for name, filter_ in self.filters.items()
                if isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset)
            ]
            if per_request:
                raise TypeError(f"{cls.__name__}: {per_request} depend on the request.")
            form_class = super().get_form_class()
            bound_filter_form(form_class.base_fields)
            form_class.base_fields = _SharedFormFields(form_class.base_fields)
            cls._form_class = form_class
        return form_class


class _FieldsFilterSet(FilterSet, drf_filters.FilterSet):
    """The base of a FilterSet made from a view's ``filterset_fields``: the FilterSet above, with
    django-filter's REST defaults (``true``/``false`` booleans, ISO 8601 date-times)."""


class BoundedFilterBackend(DjangoFilterBackend):
    """Every list's filters, through the FilterSet above; a view that names only its
    ``filterset_fields`` gets a FilterSet class made once per view and model, not per request."""

    filterset_base = _FieldsFilterSet
    _made: dict[tuple, type] = {}

    def get_filterset_class(self, view, queryset=None):
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        fields = getattr(view, "filterset_fields", None)
        if not fields:
            return None
        key = (queryset.model, tuple(fields))
        made = self._made.get(key)
        if made is None:
            made = self._made.setdefault(key, super().get_filterset_class(view, queryset))
        return made

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and not isinstance(filterset, FilterSet):
            bound_filter_form(filterset.form.fields)
        return filterset

    def filter_queryset(self, request, queryset, view):
        """A request that names none of the filters (a detail, a list asked only for a page)
        is answered from the queryset as it is, without a form: a filter given no value filters
        nothing. A FilterSet with a required filter is always asked."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        filters = filterset_class.base_filters
        if not any(f.extra.get("required") for f in filters.values()) and not any(
            # A filter's form field may read suffixed names (a range's ``_min``/``_max``).
            key.startswith(name)
            for key in request.query_params
            for name in filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
