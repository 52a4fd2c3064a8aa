"""Statements on the hottest write paths, written once per process and database instead of built by
the ORM on every call.

Every audit event, every outbox message and its send, and an edit job's or a training run's gate
and claim go through these; the ORM spent as much time building each of those statements as the
database spent running it (a conditional UPDATE: 1.1 ms through a QuerySet, 0.5 ms as written SQL,
the commit included). The SQL is made from the models' metadata (quoted names, every value a
parameter), and values are prepared by the model fields themselves (``pre_save``,
``get_db_prep_save``), as Django's own INSERT prepares them, so what is stored is the same. Model
signals are not sent: none is connected to these models.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections, models, router
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


class WrittenSql:
    """A statement that ``build(connection)`` writes once per database (each database quotes
    names its own way) and that is then reused as it is."""

    def __init__(self, build: Callable):
        self.build = build
        self._written: dict[str, str] = {}

    def sql(self, using: str) -> str:
        statement = self._written.get(using)
        if statement is None:
            statement = self._written[using] = self.build(connections[using])
        return statement


class _PreparingCursor(psycopg.Cursor):
    """Binds its parameters on the server and prepares each statement on its connection the first
    time, then runs it by name: PostgreSQL plans it once per connection instead of on every call."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


class _LoggedStatementCursor(CursorDebugWrapper):
    """Django's query log for a prepared statement: the statement as written, its parameters apart
    (run by name, it leaves psycopg no text of its own to report)."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


def statement_cursor(connection):
    """A cursor for a statement written once (``WrittenSql``): on PostgreSQL with
    ``DATABASE_PREPARED_STATEMENTS`` on, one that prepares it (``_PreparingCursor``), wrapped as
    Django wraps its own (errors, the query log); otherwise the connection's usual cursor. Planning
    the API token's statement took four times running it."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    # As ``connection.cursor()`` does: a failed health check reconnects; errors are Django's.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedStatementCursor(raw, connection)
    return connection.make_cursor(raw)


class PreparedInsert:
    """``INSERT`` of one instance of ``model``, every concrete column but an automatic primary key;
    sets the instance's primary key, as ``save(force_insert=True)`` does."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        pk = model._meta.pk
        self.auto_pk = isinstance(
            pk, models.AutoField | models.BigAutoField | models.SmallAutoField
        )
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not (field.primary_key and self.auto_pk) and not getattr(field, "generated", False)
        ]
        self.statement = WrittenSql(self._write)

    def _write(self, connection) -> str:
        quote, meta = connection.ops.quote_name, self.model._meta
        columns = ", ".join(quote(field.column) for field in self.fields)
        values = ", ".join(["%s"] * len(self.fields))
        statement = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
        if self.auto_pk and connection.features.can_return_columns_from_insert:
            statement += f" RETURNING {quote(meta.pk.column)}"
        return statement

    def insert(self, instance: models.Model, using: str = "default") -> models.Model:
        connection = connections[using]
        values = [
            field.get_db_prep_save(field.pre_save(instance, True), connection=connection)
            for field in self.fields
        ]
        with statement_cursor(connection) as cursor:
            cursor.execute(self.statement.sql(using), values)
            if self.auto_pk:
                instance.pk = self._new_key(cursor, connection)
        instance._state.adding, instance._state.db = False, using
        return instance

    def _new_key(self, cursor, connection):
        if connection.features.can_return_columns_from_insert:
            return cursor.fetchone()[0]
        meta = self.model._meta
        return connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)


class PreparedUpdate:
    """``UPDATE`` of the named columns of one instance of ``model``, by primary key, as
    ``save(update_fields=…)`` writes it (``auto_now`` columns among them take the time now)."""

    def __init__(self, model: type[models.Model], fields: list[str]):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in fields]
        self.statement = WrittenSql(self._write)

    def _write(self, connection) -> str:
        quote, meta = connection.ops.quote_name, self.model._meta
        assigned = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
        return (
            f"UPDATE {quote(meta.db_table)} SET {assigned} "  # noqa: S608
            f"WHERE {quote(meta.pk.column)} = %s"
        )

    def update(self, instance: models.Model, using: str = "default") -> int:
        """Write the columns; returns the number of rows written (0: the row is gone)."""
        connection = connections[using]
        values = [
            field.get_db_prep_save(field.pre_save(instance, False), connection=connection)
            for field in self.fields
        ]
        values.append(instance._meta.pk.get_db_prep_value(instance.pk, connection))
        with statement_cursor(connection) as cursor:
            cursor.execute(self.statement.sql(using), values)
            return cursor.rowcount


@functools.cache
def _updates(model: type[models.Model], fields: tuple[str, ...]) -> PreparedUpdate:
    return PreparedUpdate(model, list(fields))


def save_fields(instance: models.Model, fields: list[str] | tuple[str, ...]) -> None:
    """``instance.save(update_fields=fields)`` for a hot path, through a ``PreparedUpdate``; as
    ``save`` does, a row that is gone is an error."""
    using = instance._state.db or router.db_for_write(type(instance))
    if not _updates(type(instance), tuple(fields)).update(instance, using):
        raise DatabaseError("Save with update_fields did not affect any rows.")


class PreparedGet:
    """One row of ``model`` by primary key, with the rows its foreign keys in ``related`` point to
    (``LEFT JOIN``, each read into its own instance), as ``select_related(*related)`` returns it;
    with ``lock``, the model's own row is locked (``FOR UPDATE OF``) where the database can."""

    def __init__(self, model: type[models.Model], related: tuple[str, ...] = (), *, lock=False):
        self.model, self.lock = model, lock
        self.links = [model._meta.get_field(name) for name in related]
        # (alias, model, its concrete fields) for the row and each related row, in column order.
        self.parts = [("t0", model, model._meta.concrete_fields)] + [
            (f"t{index}", link.related_model, link.related_model._meta.concrete_fields)
            for index, link in enumerate(self.links, start=1)
        ]
        self._plans: dict[str, tuple[str, list]] = {}

    def _plan(self, using: str) -> tuple[str, list]:
        """The statement, and each column's converters (as the ORM would apply them)."""
        plan = self._plans.get(using)
        if plan is None:
            connection = connections[using]
            quote = connection.ops.quote_name
            columns, converters = [], []
            for alias, _model, fields in self.parts:
                for field in fields:
                    columns.append(f"{alias}.{quote(field.column)}")
                    col = field.get_col(alias)
                    found = connection.ops.get_db_converters(col) + col.get_db_converters(
                        connection
                    )
                    converters.append((col, found))
            meta = self.model._meta
            joins = "".join(
                f" LEFT JOIN {quote(link.related_model._meta.db_table)} {alias} ON "
                f"{alias}.{quote(link.target_field.column)} = t0.{quote(link.column)}"
                for link, (alias, _model, _fields) in zip(self.links, self.parts[1:], strict=True)
            )
            sql = (  # names from the models' metadata, quoted; the key is a parameter
                f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} t0{joins} "  # noqa: S608
                f"WHERE t0.{quote(meta.pk.column)} = %s"
            )
            if self.lock and connection.features.has_select_for_update:
                sql += f" {connection.ops.for_update_sql(of=('t0',))}"
            plan = self._plans[using] = (sql, converters)
        return plan

    def get(self, pk, using: str = "default") -> models.Model | None:
        connection = connections[using]
        sql, converters = self._plan(using)
        with statement_cursor(connection) as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, (col, found) in enumerate(converters):
            for convert in found:
                values[index] = convert(values[index], col, connection)
        start, instances = 0, []
        for _alias, model, fields in self.parts:
            part = values[start : start + len(fields)]
            start += len(fields)
            names = [field.attname for field in fields]
            pk_value = part[[field.primary_key for field in fields].index(True)]
            instances.append(None if pk_value is None else model.from_db(using, names, part))
        instance = instances[0]
        for link, related in zip(self.links, instances[1:], strict=True):
            link.set_cached_value(instance, related)
        return instance
