"""Long lists rendered to JSON by PostgreSQL: each row's object is built in the query that reads it.

A 100-row page of assets spent most of its time turning rows into model instances, instances into
dicts and dicts into JSON text. For a list whose serializer reads only the model's own columns, a
related row's slug and links to the row, the same object is written by ``json_build_object`` in
the page's query, and Python joins the rows' texts into the page. The serializer stays the one
description of the output (the schema, the detail, the writes): every field is mapped from its DRF
field, and a field with no mapping is an error, not a silently missing key. Tests compare the
output with the serializer's row by row, in several time zones; only the spacing differs. Other
databases (SQLite in development) get the serializer's own list.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from studio.api.authentication import ApiTokenAuthentication
from studio.api.links import url_template
from studio.api.permissions import ProductionScoped, SignedIn, request_principal
from studio.prepared import statement_cursor
from studio.scoping import allowed_production_ids, own_scope_column
from studio.values import row_id

# Permissions that allow any read of a row the queryset's scope lets through.
READS_IN_SCOPE = (SignedIn, ProductionScoped)

# DRF fields whose JSON is the column's own value, as PostgreSQL writes it into a JSON object.
_AS_IS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
    serializers.JSONField,
)


class RenderedJson:
    """A response body that is JSON text already; ``ClearcutJSONRenderer`` sends it as it is."""

    __slots__ = ("content",)

    def __init__(self, content: str | bytes):
        self.content = content if isinstance(content, bytes) else content.encode()


class RowSql:
    """SQL for one field of the row, on the list's own table (``table``), with its parameters."""

    def __init__(self, sql: str, params: tuple = ()):
        self.sql, self.params = sql, tuple(params)


def column(table: str, name: str) -> RowSql:
    quote = connection.ops.quote_name
    return RowSql(f"{quote(table)}.{quote(name)}")


def object_link(context: dict, viewname: str, *, unless_blank: str = "") -> Callable:
    """The row's link, as ``studio.api.links.object_url`` writes it; null where the column
    ``unless_blank`` is empty (a file not generated yet)."""
    before, after = url_template(context, viewname)

    def link(table: str, pk_column: str) -> RowSql:
        pk = column(table, pk_column).sql
        sql = f"(%s || {pk}::text || %s)"
        if unless_blank:
            sql = f"CASE WHEN {column(table, unless_blank).sql} = '' THEN NULL ELSE {sql} END"
        return RowSql(sql, (before, after))

    return link


def _field_sql(serializer, field, table: str, zone: str, given: dict) -> RowSql:
    model = serializer.Meta.model
    name, source = field.field_name, field.source
    if name in given:
        return given[name](table, model._meta.pk.column)
    try:
        model_field = model._meta.get_field(source)
    except FieldDoesNotExist:
        model_field = None
    if model_field is None or not model_field.concrete:
        raise ImproperlyConfigured(
            f"{type(serializer).__name__}.{name} has no SQL form; give it in sql_fields()."
        )
    if isinstance(field, serializers.SlugRelatedField):
        quote, related = connection.ops.quote_name, model_field.related_model
        slug = related._meta.get_field(field.slug_field).column
        target = related._meta.db_table
        return RowSql(  # names from the model's metadata, quoted; no value in the text
            f"(SELECT {quote(slug)} FROM {quote(target)} "  # noqa: S608
            f"WHERE {quote(target)}.{quote(related._meta.pk.column)} = "
            f"{column(table, model_field.column).sql})"
        )
    if isinstance(field, serializers.DateTimeField):
        return RowSql(
            f"clearcut_iso_datetime({column(table, model_field.column).sql}, %s)", (zone,)
        )
    if isinstance(field, _AS_IS):
        return column(table, model_field.column)
    raise ImproperlyConfigured(
        f"{type(serializer).__name__}.{name} has no SQL form; give it in sql_fields()."
    )


def row_object(serializer: serializers.ModelSerializer) -> RawSQL:
    """The serializer's output as one SQL expression, ``json_build_object(…)::text`` with the keys
    in the serializer's order. Fields the serializer computes itself are given by its
    ``sql_fields()``; every other field must be a column written as it is stored, a date-time, or
    a related row's slug. The base table is named by its own name, as Django names it in the
    list's query."""
    given = serializer.sql_fields() if hasattr(serializer, "sql_fields") else {}
    table = serializer.Meta.model._meta.db_table
    zone = timezone.get_current_timezone_name()
    pieces, params = [], []
    for field in serializer._readable_fields:
        value = _field_sql(serializer, field, table, zone, given)
        pieces.append(f"%s::text, {value.sql}")  # typed: a prepared statement cannot guess it
        params += [field.field_name, *value.params]
    return RawSQL(  # noqa: S611  (quoted names from the models; every value a parameter)
        f"JSON_BUILD_OBJECT({', '.join(pieces)})::text", params, output_field=TextField()
    )


_ROW_OBJECTS: dict[tuple, RawSQL] = {}
_ROW_OBJECTS_MAX = 256


def cached_row_object(view) -> RawSQL:
    """``row_object`` of the view's serializer, built once per serializer, zone and site (the links
    carry the request's scheme and host) in each process."""
    request = view.request
    key = (
        view.get_serializer_class(),
        timezone.get_current_timezone_name(),
        request.build_absolute_uri("/"),
    )
    expression = _ROW_OBJECTS.get(key)
    if expression is None:
        if len(_ROW_OBJECTS) >= _ROW_OBJECTS_MAX:
            _ROW_OBJECTS.clear()
        expression = _ROW_OBJECTS[key] = row_object(view.get_serializer())
    return expression


class SqlRenderedReadsMixin:
    """``list`` and ``retrieve`` for a viewset whose rows PostgreSQL can render (``row_object``):
    the same filters, scope, ordering, cursor pages and 404s, with the JSON written by the database.

    Reads are scoped by the queryset (``restrict``); the object permission is asked of writes only
    (``ProductionScoped`` lets every read of a row in scope through), so a detail needs no model
    instance either."""

    # A ``studio.api.page_cache.PageCache`` whose revision covers everything the list shows, or
    # None: pages are then kept and answered again, with ETags, until that revision moves.
    page_cache = None

    def get_authenticators(self):
        """Token authentication reads the page cache's revision with the token (no round trip)."""
        authenticators = super().get_authenticators()
        if self.page_cache is not None and self.page_cache.token_columns:
            for authenticator in authenticators:
                if isinstance(authenticator, ApiTokenAuthentication):
                    authenticator.token_columns = self.page_cache.token_columns
        return authenticators

    def list(self, request, *args, **kwargs):
        if connection.vendor != "postgresql":
            return super().list(request, *args, **kwargs)
        cached = self.page_cache.page(self) if self.page_cache is not None else None
        if cached is not None:
            if cached.matches(request):
                return cached.not_modified()
            if cached.body is not None:
                return cached.respond(Response(RenderedJson(cached.body)))
        body = self._list_json()
        if cached is None:
            return Response(RenderedJson(body))
        self.page_cache.keep(cached, body)
        return cached.respond(Response(RenderedJson(body)))

    def _list_json(self) -> bytes:
        rows = self.filter_queryset(self.get_queryset()).values("pk", doc=cached_row_object(self))
        page = self.paginate_queryset(rows)
        if page is None:
            return f"[{','.join(row['doc'] for row in rows)}]".encode()
        links = json.dumps(
            {
                "next": self.paginator.get_next_link(),
                "previous": self.paginator.get_previous_link(),
            },
            separators=(",", ":"),
        )
        results = ",".join(row["doc"] for row in page)
        return f'{links[:-1]},"results":[{results}]}}'.encode()

    def retrieve(self, request, *args, **kwargs):
        if (
            connection.vendor != "postgresql"
            or not _reads_need_no_object(self)
            or self.lookup_field not in ("pk", self.queryset.model._meta.pk.name)
        ):
            return super().retrieve(request, *args, **kwargs)
        given = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        doc = _WrittenDetail.find(self, given)
        if doc is False:  # the ORM's query, with the request's filters
            rows = self.filter_queryset(self.get_queryset())
            try:
                # The lookup names one row (the primary key): no ordering to compile or sort by.
                found = rows.filter(**{self.lookup_field: given}).order_by()
                doc = next(iter(found.values_list(cached_row_object(self), flat=True)[:1]), None)
            except (TypeError, ValueError, ValidationError):  # as get_object_or_404: not an id (²)
                doc = None
        if doc is None:
            model = self.queryset.model._meta.object_name
            raise Http404(f"No {model} matches the given query.")
        return Response(RenderedJson(doc))


def _only_scoped(view) -> bool:
    """Whether the view's rows are its model's, narrowed by the principal's scope alone."""
    # reason: the base viewsets import DRF's views, which load the renderers, which import this
    from studio.api.base import ScopedViewSetMixin  # noqa: PLC0415

    return (
        type(view).get_queryset is ScopedViewSetMixin.get_queryset and not view.queryset.query.where
    )


def _reads_need_no_object(view) -> bool:
    """Whether the view's permissions let every read of a row in scope through (no instance)."""
    return all(permission in READS_IN_SCOPE for permission in view.permission_classes)


class _WrittenDetail:
    """A detail's statement, written once per serializer, zone, site and scope shape and prepared on
    its connection: the row's object by primary key, within the principal's productions. For a
    request with no query string (no filter to apply) by a principal whose scope is a list of ids
    or every production, on a model whose production is one of its own columns; others take the
    ORM's query. Building and compiling that query cost more than running it."""

    _written: dict[tuple, _WrittenDetail] = {}
    _MAX = 256

    def __init__(self, sql: str, params: list):
        self.sql, self.params = sql, params

    @classmethod
    def find(cls, view, given) -> str | None | bool:
        """The row's JSON, None where there is no such row in scope, or False where this view or
        request takes the ORM's query instead."""
        if view.request.GET or not _only_scoped(view):
            return False
        model = view.queryset.model
        scope = own_scope_column(model)
        if scope is None:
            return False
        ids = allowed_production_ids(request_principal(view.request), view.read_scope_action)
        if not (ids is None or isinstance(ids, list)):
            return False
        pk = row_id(given)
        if pk is None:
            return None
        written = cls._statement(view, model, scope, scoped=ids is not None)
        params = [*written.params, pk, *([] if ids is None else [ids])]
        with statement_cursor(connection) as cursor:
            cursor.execute(written.sql, params)
            row = cursor.fetchone()
        return row[0] if row else None

    @classmethod
    def _statement(cls, view, model, scope, *, scoped: bool) -> _WrittenDetail:
        key = (
            view.get_serializer_class(),
            timezone.get_current_timezone_name(),
            view.request.build_absolute_uri("/"),
            scoped,
        )
        written = cls._written.get(key)
        if written is None:
            if len(cls._written) >= cls._MAX:
                cls._written.clear()
            expression = cached_row_object(view)
            quote = connection.ops.quote_name
            table = quote(model._meta.db_table)
            where = f"{table}.{quote(model._meta.pk.column)} = %s"
            if scoped:
                where += f" AND {table}.{quote(scope.column)} = ANY(%s)"
            sql = f"SELECT {expression.sql} FROM {table} WHERE {where}"  # noqa: S608  (quoted names)
            written = cls._written[key] = cls(sql, list(expression.params))
        return written
