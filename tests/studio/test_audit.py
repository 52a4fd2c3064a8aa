import datetime as dt
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from studio.actors import SystemActor
from studio.audit import AuditEntry, audit_record, audit_record_many, audit_verify
from studio.models import AuditEvent
from tests.factories import ProductionFactory, UserFactory

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)


def _disable_trigger():
    """Tampering needs the trigger off; the database owner may do that, inside the test transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks from the fixture's inserts must fire before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE studio_auditevent DISABLE TRIGGER studio_auditevent_append_only"
            )


def _write_events(production, actor, count):
    return [
        audit_record(
            actor=actor,
            action="tests.thing.changed",
            production=production,
            target_type="tests.thing",
            target_id=str(i),
            target_label=f"thing {i}",
            before={"n": i},
            after={"n": i + 1, "note": "été"},
        )
        for i in range(count)
    ]


@pytest.fixture
def chain(db):
    """Two productions with five events each, and two studio-wide events."""
    user = UserFactory(username="auditor")
    first, second = ProductionFactory(), ProductionFactory()
    events = _write_events(first, user, 5)
    _write_events(second, user, 5)
    _write_events(None, SystemActor("expiry-sweep"), 2)
    return events


def test_a_fresh_chain_verifies(chain):
    report = audit_verify()

    assert report.ok
    assert report.events == 12
    assert report.chains == 3


def test_each_event_links_to_the_previous_one(chain):
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == "0" * 64
    assert all(
        later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False)
    )


def _tampered(value):
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int):
        return value + 1000
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(microseconds=1)
    if isinstance(value, dict):
        return json.dumps({**value, "n": value["n"] + 1})
    return ("X" if value[0] != "X" else "Y") + value[1:]


STORED_FIELDS = [
    "chain",
    "seq",
    "occurred_at",
    "production_id",
    "actor_type",
    "actor_id",
    "actor_name",
    "token_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
    "correlation_id",
    "prev_hash",
    "hash",
]


@pytest.mark.parametrize("field", STORED_FIELDS)
def test_audit_verify_names_the_event_whose_stored_field_changed(chain, field):
    victim = chain[2]
    if field == "production_id":
        new_value = ProductionFactory().pk
    else:
        new_value = _tampered(getattr(victim, field))
    _disable_trigger()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE studio_auditevent SET {field} = %s WHERE id = %s", [new_value, victim.pk]
        )

    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")

    assert f"event id={victim.pk} " in str(failure.value)
    assert audit_verify().first_problem.event_id == victim.pk


def test_a_deleted_event_breaks_the_link_of_the_next_one(chain):
    _disable_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM studio_auditevent WHERE id = %s", [chain[1].pk])

    report = audit_verify()

    assert report.first_problem.event_id == chain[2].pk
    assert "expected seq 2" in report.first_problem.reason


def test_a_truncated_tail_is_found_through_the_chain_head(chain):
    _disable_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM studio_auditevent WHERE id = %s", [chain[-1].pk])

    report = audit_verify()

    assert not report.ok
    assert "missing" in report.first_problem.reason


def test_verify_one_production_ignores_the_others(chain):
    other = (
        AuditEvent.objects.exclude(production=chain[0].production).exclude(production=None).first()
    )
    _disable_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE studio_auditevent SET action = 'x' WHERE id = %s", [other.pk])

    call_command("audit_verify", production=chain[0].production.code)
    with pytest.raises(CommandError):
        call_command("audit_verify", production=other.production.code)


def test_audit_verify_reports_an_unknown_production(db):
    with pytest.raises(CommandError, match="No production"):
        call_command("audit_verify", production="NOPE")


@on_postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE studio_auditevent SET action = 'rewritten' WHERE id = %s",
        "DELETE FROM studio_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(chain, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [chain[0].pk])

    assert AuditEvent.objects.get(pk=chain[0].pk).action == "tests.thing.changed"


def test_the_actor_outlives_the_user(chain):
    user_id = chain[0].actor_id
    UserFactory._meta.model.objects.filter(pk=user_id).delete()

    event = AuditEvent.objects.get(pk=chain[0].pk)
    assert (event.actor_id, event.actor_name) == (user_id, "auditor")
    assert audit_verify().ok


def test_an_anonymous_actor_is_refused(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="authenticated actor"):
        audit_record(actor=AnonymousUser(), action="tests.nobody")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    production = ProductionFactory()
    user = UserFactory(username="writer")
    writers, per_writer = 4, 15
    errors = []
    start = threading.Barrier(writers)

    def write():
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    audit_record(
                        actor=user, action="tests.concurrent", production=production, after={"i": i}
                    )
        except Exception as exc:  # noqa: BLE001  (reported below, in the main thread)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(
        AuditEvent.objects.filter(production=production)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, writers * per_writer + 1))
    assert audit_verify().ok


def test_a_batch_of_events_over_several_chains_continues_each_chain(
    chain, django_assert_max_num_queries
):
    user = UserFactory(username="batcher")
    first, third = chain[0].production, ProductionFactory()
    entries = [
        AuditEntry("tests.thing.batched", production, after={"n": i})
        for i in range(30)
        for production in (first, third, None)
    ]

    with django_assert_max_num_queries(5):
        written = audit_record_many(actor=user, entries=entries)

    report = audit_verify()
    assert report.ok, report.first_problem
    assert report.events == 12 + 90
    assert [e.seq for e in written if e.production == first] == list(range(6, 36))
    assert [e.seq for e in written if e.production == third] == list(range(1, 31))
    assert written[0].prev_hash == chain[-1].hash
    assert len({e.correlation_id for e in written}) == 1


def _head(production):
    from studio.models import AuditChainHead

    return AuditChainHead.objects.get(chain=f"production:{production.pk}")


def test_the_head_follows_every_event_and_only_moves_forward(chain, django_assert_num_queries):
    production = chain[0].production
    user = UserFactory(username="writer")
    # Locking the head and inserting the event: the database moves the head itself.
    with django_assert_num_queries(2):
        event = audit_record(actor=user, action="tests.thing.changed", production=production)
    head = _head(production)
    assert (head.last_seq, head.last_hash, head.updated_at) == (6, event.hash, event.occurred_at)

    # An event inserted out of order (a restore, a batch written in any order) never moves the
    # head back; verification then names the gap it leaves.
    for seq, digest in ((3_000, "f" * 64), (2_000, "e" * 64)):
        AuditEvent.objects.create(
            chain=event.chain,
            seq=seq,
            occurred_at=event.occurred_at,
            production=production,
            actor_type=event.actor_type,
            actor_name="restore",
            action="tests.thing.restored",
            prev_hash=event.hash,
            hash=digest,
        )
    head = _head(production)
    assert (head.last_seq, head.last_hash) == (3_000, "f" * 64)
    assert not audit_verify(production=production).ok
