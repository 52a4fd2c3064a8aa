"""What the gate answers: allowed or not, and every reason, in plain words with references."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

RULE_VERSION = "2026.11-1"


@dataclass(frozen=True)
class UseRequest:
    """May ``action`` be done with these assets (and adapters), for this production, territory,
    media, language and date? Consent scopes default to what the action needs."""

    action: str
    production_id: int
    asset_ids: tuple[int, ...]
    territory: str
    media: str
    at: dt.datetime
    language: str = ""
    model_version_id: int | None = None
    adapter_ids: tuple[int, ...] = ()
    consent_scopes: tuple[str, ...] | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        data["asset_ids"], data["adapter_ids"] = list(self.asset_ids), list(self.adapter_ids)
        data["consent_scopes"] = (
            list(self.consent_scopes) if self.consent_scopes is not None else None
        )
        return data


@dataclass(frozen=True)
class Reason:
    code: str
    blocking: bool
    message: str
    refs: dict = field(default_factory=dict)


@dataclass
class Decision:
    request: UseRequest
    reasons: list[Reason]
    rule_version: str = RULE_VERSION

    @property
    def allowed(self) -> bool:
        return not any(reason.blocking for reason in self.reasons)

    @property
    def blocking(self) -> list[Reason]:
        return [r for r in self.reasons if r.blocking]

    @property
    def relied_on(self) -> list[Reason]:
        return [r for r in self.reasons if not r.blocking and r.code in ("grant", "consent")]

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "rule_version": self.rule_version,
            "request": self.request.as_dict(),
            "reasons": [asdict(r) for r in self.reasons],
        }

    def summary(self) -> str:
        verdict = "ALLOWED" if self.allowed else "DENIED"
        lines = [
            f"{verdict}: {self.request.action} in {self.request.territory}/{self.request.media}"
        ]
        lines += [("  ✗ " if r.blocking else "  ✓ ") + r.message for r in self.reasons]
        return "\n".join(lines)
