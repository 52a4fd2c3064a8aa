"""Statements written once (``studio.prepared``) store and read exactly what the ORM would."""

import datetime as dt

import pytest
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.utils import timezone

from studio.actors import SystemActor
from studio.audit import audit_record
from studio.models import AuditEvent, OutboxMessage
from studio.prepared import PreparedGet, PreparedInsert, save_fields

pytestmark = pytest.mark.django_db


def _columns(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_an_insert_stores_what_the_orm_stores():
    values = {
        "task_name": "studio.ping",
        "args": [1, "two", {"three": [3.0, None]}],
        "correlation_id": "c" * 32,
        "countdown": 30,
        "not_before": timezone.now() + dt.timedelta(seconds=30),
        "next_attempt_at": timezone.now(),
    }
    by_orm = OutboxMessage.objects.create(**values)
    prepared = PreparedInsert(OutboxMessage).insert(OutboxMessage(**values))

    assert prepared.pk == by_orm.pk + 1
    assert not prepared._state.adding
    stored, expected = _columns(OutboxMessage.objects.get(pk=prepared.pk)), _columns(by_orm)
    for name in ("id", "created_at", "updated_at"):  # its own key; the times it was written
        stored.pop(name), expected.pop(name)
    assert stored == expected
    assert prepared.created_at <= OutboxMessage.objects.get(pk=prepared.pk).updated_at


def test_saving_named_fields_writes_them_and_the_time_and_nothing_else():
    message = OutboxMessage.objects.create(task_name="studio.ping", args=[1], last_error="kept")
    message.attempts, message.last_error = 4, "changed in memory only"
    before = message.updated_at

    save_fields(message, ["attempts", "updated_at"])

    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.attempts, stored.last_error) == (4, "kept")
    assert stored.updated_at > before


def test_saving_a_row_that_is_gone_is_an_error():
    message = OutboxMessage.objects.create(task_name="studio.ping", args=[1])
    OutboxMessage.objects.filter(pk=message.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(message, ["attempts"])


def test_a_read_with_related_rows_matches_select_related(production, django_assert_num_queries):
    event = audit_record(actor=SystemActor("test"), action="tests.read", production=production)
    studio_wide = audit_record(actor=SystemActor("test"), action="tests.read", production=None)
    read = PreparedGet(AuditEvent, ("production",))

    with django_assert_num_queries(1):
        got = read.get(event.pk)
        assert got.production.code == "ALPHA"  # already read: no second query
    expected = AuditEvent.objects.select_related("production").get(pk=event.pk)
    assert _columns(got) == _columns(expected)
    assert _columns(got.production) == _columns(expected.production)
    with django_assert_num_queries(1):
        assert read.get(studio_wide.pk).production is None
    assert read.get(studio_wide.pk + 1000) is None


@pytest.mark.django_db(transaction=True)
def test_a_locked_read_holds_the_row_until_the_transaction_ends(production):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between two connections need PostgreSQL")
    event = audit_record(actor=SystemActor("test"), action="tests.lock", production=production)
    table = AuditEvent._meta.db_table
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            PreparedGet(AuditEvent, ("production",), lock=True).get(event.pk)
            with other.cursor() as cursor, pytest.raises(OperationalError):
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [event.pk]
                )
    finally:
        other.close()


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_written_statement_is_prepared_on_its_connection_and_logged():
    from django.test.utils import CaptureQueriesContext  # noqa: PLC0415

    from studio.api.authentication import find_token  # noqa: PLC0415

    before = [s for s in _prepared_here() if "studio_apitoken" in s]
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert find_token("0" * 64) is None
    prepared = [s for s in _prepared_here() if "studio_apitoken" in s]
    assert len(prepared) == len(before) + 1  # prepared once, run three times by name
    assert len(queries) == 3
    assert all('"studio_apitoken"' in query["sql"] for query in queries.captured_queries)


def test_prepared_statements_can_be_turned_off_for_a_pooler(settings):
    from studio.prepared import statement_cursor  # noqa: PLC0415

    settings.DATABASE_PREPARED_STATEMENTS = False
    before = _prepared_here()
    with statement_cursor(connection) as cursor:
        cursor.execute("SELECT 1 + %s", [1])
        assert cursor.fetchone()[0] == 2
    assert _prepared_here() == before


def test_a_prepared_statement_raises_django_errors():
    from django.db import IntegrityError  # noqa: PLC0415

    message = PreparedInsert(OutboxMessage).insert(
        OutboxMessage(task_name="studio.ping", args=[], next_attempt_at=timezone.now())
    )
    duplicate = OutboxMessage(task_name="studio.ping", args=[], next_attempt_at=timezone.now())
    duplicate.id = message.pk
    inserting = PreparedInsert(OutboxMessage)
    inserting.auto_pk = False
    inserting.fields = [message._meta.pk, *inserting.fields]
    with pytest.raises(IntegrityError), transaction.atomic():
        inserting.insert(duplicate)
