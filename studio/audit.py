"""The audit trail: ``audit_record`` appends to a hash chain; ``audit_verify`` re-computes it.

There is one chain per production and one ``studio`` chain for studio-wide events. A writer locks
its chain's head row (``SELECT … FOR UPDATE``) and keeps the lock until its transaction commits, so
events of one chain are appended one at a time and the chain cannot fork, while productions never
wait on each other. The database moves the head to each event inserted (a trigger), so the head
never lags behind its chain's rows. A production's chain can be verified and handed to its legal
team on its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction
from django.utils import timezone

from studio.actors import describe_actor
from studio.choices import ScopeAction
from studio.correlation import current_correlation_id, new_correlation_id
from studio.models import AuditChainHead, AuditEvent, Production
from studio.models.audit import GENESIS_HASH
from studio.prepared import PreparedInsert, WrittenSql, statement_cursor
from studio.scoping import allowed_production_ids

if TYPE_CHECKING:
    from studio.actors import Actor

STUDIO_CHAIN = "studio"


def chain_for(production: Production | None) -> str:
    return f"production:{production.pk}" if production is not None else STUDIO_CHAIN


def _json_safe(value: Any) -> Any:
    """Exactly what the JSON column will hand back, so the hash written is the hash re-read."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _head_sql(connection) -> str:
    """The locked read of a chain's head: its last sequence number and hash."""
    quote, meta = connection.ops.quote_name, AuditChainHead._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("last_seq", "last_hash"))
    chain = quote(meta.get_field("chain").column)
    lock = (
        f" {connection.ops.for_update_sql()}" if connection.features.has_select_for_update else ""
    )
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {chain} = %s{lock}"  # noqa: S608


_HEAD = WrittenSql(_head_sql)
_EVENTS = PreparedInsert(AuditEvent)


def _lock_head(chain: str) -> tuple[int, str]:
    """The chain's last sequence number and hash, its head row locked (created where missing)."""
    using = router.db_for_write(AuditChainHead)
    for _attempt in range(2):
        with statement_cursor(connections[using]) as cursor:
            cursor.execute(_HEAD.sql(using), [chain])
            row = cursor.fetchone()
        if row is not None:
            return row[0], row[1]
        AuditChainHead.objects.bulk_create([AuditChainHead(chain=chain)], ignore_conflicts=True)
    raise AuditChainHead.DoesNotExist(f"No head for chain {chain!r}.")


def _target_fields(target: models.Model | None) -> dict[str, str]:
    if target is None:
        return {}
    return {
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "target_label": str(target)[:300],
    }


def audit_record(
    *,
    actor: Actor,
    action: str,
    production: Production | None = None,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    correlation_id: str | None = None,
    **target_override: str,
) -> AuditEvent:
    """Append one event to the production's chain, inside the caller's transaction."""
    who = describe_actor(actor)
    fields = _target_fields(target) | target_override
    # No savepoint: if the event cannot be written, the caller's whole change must roll back.
    with transaction.atomic(savepoint=False):
        chain = chain_for(production)
        last_seq, last_hash = _lock_head(chain)
        event = AuditEvent(
            chain=chain,
            seq=last_seq + 1,
            occurred_at=timezone.now(),
            production=production,
            actor_type=who.actor_type,
            actor_id=who.actor_id,
            actor_name=who.actor_name,
            token_id=who.token_id,
            action=action,
            before=_json_safe(before),
            after=_json_safe(after),
            correlation_id=correlation_id or current_correlation_id() or new_correlation_id(),
            prev_hash=last_hash,
            **fields,
        )
        event.hash = event.compute_hash()
        _EVENTS.insert(event, router.db_for_write(AuditEvent))  # the head follows (a trigger)
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One event of a batch written by ``audit_record_many``."""

    action: str
    production: Production | None
    target: models.Model | None = None
    before: dict | None = None
    after: dict | None = None


def _lock_heads(chains: list[str]) -> dict[str, AuditChainHead]:
    """Every chain's head, created where missing, locked in chain order (as one writer would)."""
    wanted = sorted(set(chains))
    AuditChainHead.objects.bulk_create(
        [AuditChainHead(chain=chain) for chain in wanted], ignore_conflicts=True
    )
    heads = AuditChainHead.objects.select_for_update().filter(chain__in=wanted).order_by("chain")
    return {head.chain: head for head in heads}


def audit_record_many(
    *, actor: Actor, entries: list[AuditEntry], correlation_id: str | None = None
) -> list[AuditEvent]:
    """Append several events, to one chain or many, in a fixed number of queries: the same rows
    ``audit_record`` would write one by one, in the order given within each chain."""
    if not entries:
        return []
    who = describe_actor(actor)
    correlation = correlation_id or current_correlation_id() or new_correlation_id()
    with transaction.atomic(savepoint=False):
        heads = _lock_heads([chain_for(entry.production) for entry in entries])
        events = []
        for entry in entries:
            head = heads[chain_for(entry.production)]
            event = AuditEvent(
                chain=head.chain,
                seq=head.last_seq + 1,
                occurred_at=timezone.now(),
                production=entry.production,
                actor_type=who.actor_type,
                actor_id=who.actor_id,
                actor_name=who.actor_name,
                token_id=who.token_id,
                action=entry.action,
                before=_json_safe(entry.before),
                after=_json_safe(entry.after),
                correlation_id=correlation,
                prev_hash=head.last_hash,
                **_target_fields(entry.target),
            )
            event.hash = event.compute_hash()
            head.last_seq, head.last_hash = event.seq, event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events)  # moves the heads too (a trigger: migration 0009)
    return events


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    event_id: int | None
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event id={self.event_id} (chain {self.chain}, seq {self.seq})"
        return f"{where}: {self.reason}" if self.event_id else f"chain {self.chain}: {self.reason}"


@dataclass
class ChainReport:
    events: int = 0
    chains: int = 0
    problems: list[ChainProblem] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None


def _check_links(events: Iterable[AuditEvent], report: ChainReport) -> dict[str, AuditEvent]:
    """Walk events in (chain, seq) order; a row whose own hash fails is named before any broken link."""
    tampered: list[ChainProblem] = []
    links: list[ChainProblem] = []
    last: dict[str, AuditEvent] = {}
    for event in events:
        report.events += 1
        previous = last.get(event.chain)
        if event.compute_hash() != event.hash:
            tampered.append(
                ChainProblem(event.chain, event.pk, event.seq, "content does not match its hash")
            )
        expected_seq = previous.seq + 1 if previous else 1
        expected_prev = previous.hash if previous else GENESIS_HASH
        if event.seq != expected_seq:
            links.append(
                ChainProblem(event.chain, event.pk, event.seq, f"expected seq {expected_seq}")
            )
        elif event.prev_hash != expected_prev:
            links.append(
                ChainProblem(event.chain, event.pk, event.seq, "previous-hash link broken")
            )
        last[event.chain] = event
    report.problems = tampered + links
    return last


def audit_verify(*, production: Production | None = None) -> ChainReport:
    """Re-compute every hash and link, in bounded memory, and compare the tails with the heads."""
    events = AuditEvent.objects.order_by("chain", "seq")
    heads = AuditChainHead.objects.all()
    if production is not None:
        events = events.filter(chain=chain_for(production))
        heads = heads.filter(chain=chain_for(production))
    report = ChainReport()
    last = _check_links(events.iterator(chunk_size=2000), report)
    for head in heads:
        tail = last.get(head.chain)
        if (tail.seq if tail else 0) != head.last_seq or (
            tail.hash if tail else GENESIS_HASH
        ) != head.last_hash:
            report.problems.append(
                ChainProblem(
                    head.chain,
                    None,
                    None,
                    f"events after seq {tail.seq if tail else 0} are missing",
                )
            )
    report.chains = len(last)
    return report


@dataclass
class ChainVerification:
    """One chain's verification, named for people: which production, intact or where it broke."""

    chain: str
    production: str
    report: ChainReport

    def as_dict(self) -> dict:
        return {
            "chain": self.chain,
            "production": self.production,
            "ok": self.report.ok,
            "events": self.report.events,
            "problems": [str(p) for p in self.report.problems or []],
        }


def audit_verify_visible(*, principal, production: Production | None = None) -> list:
    """``audit_verify`` (what ``manage.py audit_verify`` runs) over the chains the principal may
    audit: one production's chain, each of theirs, or, for a superuser, every chain at once.
    ``PermissionDenied`` when there is none."""
    ids = allowed_production_ids(principal, ScopeAction.AUDIT)
    if ids is None and production is None:
        return [ChainVerification("all", "all productions and studio-wide", audit_verify())]
    productions = Production.objects.order_by("code")
    if ids is not None:
        productions = productions.filter(pk__in=ids)
    if production is not None:
        productions = productions.filter(pk=production.pk)
    found = [
        ChainVerification(chain_for(p), p.code, audit_verify(production=p)) for p in productions
    ]
    if not found:
        raise PermissionDenied("Only legal staff verify the audit trail.")
    return found


def visible_chains(found: list[ChainVerification]) -> set[str] | None:
    """The chain names ``audit_verify_visible`` covered; None when it covered every chain."""
    return None if any(item.chain == "all" for item in found) else {item.chain for item in found}
