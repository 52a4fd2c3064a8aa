import hashlib
import json

from django.db import models

from studio.choices import ActorType
from studio.scoping import ScopedQuerySet

GENESIS_HASH = "0" * 64


def canonical_json(value) -> str:
    """The one serialisation that is hashed: sorted keys, no whitespace, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class AuditEvent(models.Model):
    """One decision or change that matters to legal: who did what to which object, and when.

    Rows are append-only (PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE) and hash-chained:
    each row stores the hash of the previous row of its chain and its own hash over a canonical JSON of its
    content, so ``manage.py audit_verify`` finds any row changed or removed after the fact.
    The actor is kept by id and by name, without foreign keys, so rows outlive users and tokens.
    """

    chain = models.CharField(max_length=40)
    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField(db_index=True)
    production = models.ForeignKey(
        "studio.Production",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    actor_type = models.CharField(max_length=8, choices=ActorType.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150)
    token_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def chain_content(self) -> dict:
        """Everything the hash covers: every stored field but the row id and the hash itself."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "production_id": self.production_id,
            "actor_type": self.actor_type,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "token_id": self.token_id,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "before": self.before,
            "after": self.after,
            "correlation_id": self.correlation_id,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.chain_content()).encode()).hexdigest()


class AuditChainHead(models.Model):
    """The latest event of one chain. Writers lock this row, so each chain grows one event at a time."""

    chain = models.CharField(max_length=40, primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["chain"]

    def __str__(self) -> str:
        return f"{self.chain} at #{self.last_seq}"
