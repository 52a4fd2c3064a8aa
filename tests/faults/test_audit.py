"""Fault (6): the audit table refuses UPDATE, DELETE and TRUNCATE on PostgreSQL, whoever asks short
of disabling its triggers, and tampering by someone who does is found."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from studio.actors import SystemActor
from studio.audit import audit_record, audit_verify, chain_for
from studio.audit_checkpoints import audit_checkpoint_write
from studio.models import AuditEvent
from tests.audit_tamper import rewrite_tail, set_triggers
from tests.factories import ProductionFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit table's triggers are PostgreSQL's"
)

REFUSALS = {
    "UPDATE": "UPDATE studio_auditevent SET action = 'forged'",
    "DELETE": "DELETE FROM studio_auditevent",
    "TRUNCATE": "TRUNCATE studio_auditevent",
    "TRUNCATE CASCADE": "TRUNCATE studio_production CASCADE",
}


def _trail(count=3):
    production = ProductionFactory(code="ALPHA")
    events = [
        audit_record(
            actor=SystemActor("tests"),
            action="tests.thing.changed",
            production=production,
            target_type="tests.thing",
            target_id=str(n),
            after={"n": n},
        )
        for n in range(count)
    ]
    return production, events


@pytest.mark.parametrize("statement", REFUSALS.values(), ids=REFUSALS.keys())
@pytest.mark.django_db
def test_the_audit_table_refuses_changes(statement):
    _production, events = _trail()
    with connection.cursor() as cursor:
        # The fixture's deferred foreign-key checks would otherwise refuse TRUNCATE first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with pytest.raises(DatabaseError, match="studio_auditevent is append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)

    assert list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True)) == [
        e.hash for e in events
    ]


@pytest.mark.django_db(transaction=True)
def test_truncate_is_refused_outside_any_transaction_too():
    _trail()

    with pytest.raises(DatabaseError, match="TRUNCATE refused"), connection.cursor() as cursor:
        cursor.execute("TRUNCATE studio_auditevent")

    assert AuditEvent.objects.count() == 3
    assert audit_verify().ok


@pytest.mark.django_db
def test_the_orm_cannot_delete_events_either():
    _trail()

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()

    assert AuditEvent.objects.count() == 3


@pytest.mark.django_db
def test_an_event_changed_with_the_triggers_off_is_named():
    _production, events = _trail()
    set_triggers(False)
    AuditEvent.objects.filter(pk=events[1].pk).update(action="tests.thing.forged")
    set_triggers(True)

    with pytest.raises(CommandError, match=rf"event id={events[1].pk} .*content does not match"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_a_rewritten_tail_with_recomputed_hashes_is_found_by_the_checkpoints(checkpoint_store):
    production, _events = _trail()
    audit_checkpoint_write()

    rewrite_tail(chain_for(production), first_seq=3)

    call_command("audit_verify")  # the rewritten chain is consistent on its own
    with pytest.raises(CommandError, match=rf"chain {chain_for(production)}, seq 3:"):
        call_command("audit_verify", checkpoints=True)
