"""Tamper with the audit table the way only a role that may disable its triggers can."""

from django.db import connection

from studio.models import AuditChainHead, AuditEvent

TRIGGERS = ("studio_auditevent_append_only", "studio_auditevent_no_truncate")


def set_triggers(enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as cursor:
        # Deferred foreign-key checks from the fixture's inserts must fire before ALTER TABLE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for trigger in TRIGGERS:
            cursor.execute(f"ALTER TABLE studio_auditevent {verb} TRIGGER {trigger}")


def rewrite_tail(chain: str, first_seq: int) -> None:
    """Change every event of ``chain`` from ``first_seq`` on, re-compute each hash and link, and
    move the head: the chain then verifies on its own. Triggers off for the rewrite, on after."""
    set_triggers(False)
    events = list(AuditEvent.objects.filter(chain=chain, seq__gte=first_seq - 1).order_by("seq"))
    previous = events[0].hash if events[0].seq < first_seq else "0" * 64
    for event in events:
        if event.seq < first_seq:
            continue
        event.after = {"rewritten": True}
        event.prev_hash = previous
        event.hash = event.compute_hash()
        AuditEvent.objects.filter(pk=event.pk).update(
            after=event.after, prev_hash=event.prev_hash, hash=event.hash
        )
        previous = event.hash
    AuditChainHead.objects.filter(chain=chain).update(last_hash=previous)
    set_triggers(True)
