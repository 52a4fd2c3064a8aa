"""Audit append throughput, 1 and 4 concurrent writers, against plain INSERTs into an unchained table.

Each event is its own transaction, as in a service call. The baseline writes a row of the same
shape with no chain (no head lock, no hash), so the ratio is the price of tamper evidence.
"""

import threading

from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.utils import timezone

from bench.harness import print_table, timed
from studio.audit import audit_record, audit_verify
from studio.models import Production

PAYLOAD = {"status": "active", "licence": "L-12", "territories": ["US", "CA"], "note": "x" * 200}


def _plain_table() -> None:
    key = "BIGSERIAL PRIMARY KEY" if connection.vendor == "postgresql" else "INTEGER PRIMARY KEY"
    json_type = "JSONB" if connection.vendor == "postgresql" else "TEXT"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_event")
        cursor.execute(
            f"CREATE TABLE bench_plain_event (id {key}, occurred_at TIMESTAMP WITH TIME ZONE, "
            f"action VARCHAR(100), actor_name VARCHAR(150), after {json_type})"
        )


def _plain_insert(writer: int, i: int) -> None:
    import json

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_plain_event (occurred_at, action, actor_name, after) "
            "VALUES (%s, %s, %s, %s)",
            [timezone.now(), "bench.plain", "bench", json.dumps(PAYLOAD)],
        )


def _run_writers(writers: int, per_writer: int, write_one) -> float:
    """``write_one(writer, i)`` called per_writer times in each of ``writers`` threads."""

    def work(writer):
        try:
            for i in range(per_writer):
                write_one(writer, i)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]

    def go():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return timed(go)


def run(*, scale: float = 1.0) -> None:
    total = max(40, int(2000 * scale))
    user = get_user_model().objects.create_user("bench-writer")
    productions = [Production.objects.create(code=f"BENCH{n}", name="Benchmark") for n in range(4)]
    _plain_table()

    def one_chain(writer, i):
        with transaction.atomic():
            audit_record(
                actor=user, action="bench.audited", production=productions[0], after=PAYLOAD
            )

    def own_chain(writer, i):
        with transaction.atomic():
            audit_record(
                actor=user, action="bench.audited", production=productions[writer], after=PAYLOAD
            )

    rows = []
    for label, writers, write in [
        ("1 writer", 1, one_chain),
        ("4 writers, one production", 4, one_chain),
        ("4 writers, 4 productions", 4, own_chain),
    ]:
        per_writer = total // writers
        events = per_writer * writers
        plain = _run_writers(writers, per_writer, _plain_insert)
        chained = _run_writers(writers, per_writer, write)
        rows.append(
            [
                label,
                str(events),
                f"{events / chained:,.0f}",
                f"{events / plain:,.0f}",
                f"{plain / chained:.2f}",
            ]
        )
    print_table(
        "Audit append (each event its own transaction) vs plain INSERT into an unchained table",
        ["writers", "events", "audit ev/s", "plain INSERT/s", "audit/plain"],
        rows,
    )
    report = audit_verify()
    print(f"chains after the run: {report.events} events, {'intact' if report.ok else 'BROKEN'}")
