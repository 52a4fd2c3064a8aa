"""What the gate answers: allowed or not, and every reason, worded for people and structured for
machines (a stable ``code``, the ids involved, the dimension and the value asked for)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

RULE_VERSION = "2026.12-1"

# Every code a reason can carry. Non-blocking: what the answer relies on.
RELIED_ON_CODES = {"grant": "a permission the use relies on", "consent": "a consent relied on"}
BLOCKING_CODES = {
    "unknown_asset": "an asset id that does not exist",
    "unknown_adapter": "an adapter id that does not exist",
    "tainted": "the asset is tainted (taint_cause names the license or consent behind it)",
    "withdrawn": "the asset was withdrawn",
    "quarantined": "the asset is quarantined",
    "adapter_tainted": "the adapter is tainted",
    "adapter_withdrawn": "the adapter was withdrawn",
    "adapter_retired": "the adapter is retired",
    "prohibited": "a prohibition applies to this use",
    "no_grant": "no license grants this action on the asset at all",
    "license_expired": "the only license granting it has expired",
    "license_suspended": "the only license granting it is suspended",
    "license_terminated": "the only license granting it was terminated",
    "license_draft": "the only license granting it is a draft",
    "outside_window": "the use falls outside the license's or grant's date window",
    "territory_excluded": "the territory is explicitly excluded by the grant",
    "territory_not_covered": "the territory is not among those the grant includes",
    "media_not_covered": "the media is not among those the grant includes",
    "language_not_covered": "the language is not among those the grant includes",
    "production_not_covered": "the grant is limited to other productions",
    "consent_missing": "the person has given no consent at all",
    "consent_scope_missing": "the person has consents, but none of the scope needed",
    "consent_revoked": "the consent was revoked",
    "consent_expired": "the consent has expired",
    "consent_not_yet_valid": "the consent is not valid yet",
    "consent_production_missing": "the consent was given for other productions",
    "minor_without_guardian": "a minor's consent without a guardian's signature",
    "deceased_without_representative": "a deceased person's consent not given by a representative",
}
REASON_CODES = RELIED_ON_CODES | BLOCKING_CODES


@dataclass(frozen=True)
class UseRequest:
    """May ``action`` be done with these assets (and adapters), for this production, territory,
    media, language and instant? Consent scopes default to what the action needs. ``time_zone`` (an
    IANA name) is how instants are shown in the reasons; without it, ``at``'s own offset."""

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
    time_zone: str = ""

    def as_dict(self) -> dict:
        # Built by hand: dataclasses.asdict deep-copies, and a bulk check answers thousands.
        return {
            "action": self.action,
            "production_id": self.production_id,
            "asset_ids": list(self.asset_ids),
            "territory": self.territory,
            "media": self.media,
            "at": self.show(self.at),
            "language": self.language,
            "model_version_id": self.model_version_id,
            "adapter_ids": list(self.adapter_ids),
            "consent_scopes": (
                list(self.consent_scopes) if self.consent_scopes is not None else None
            ),
            "time_zone": self.time_zone,
        }

    def show(self, instant: dt.datetime | None) -> str:
        """A full instant, in the caller's time zone (ISO 8601 with its offset)."""
        if instant is None:
            return ""
        zone = zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else self.at.tzinfo
        return instant.astimezone(zone).isoformat()


@dataclass(frozen=True)
class Reason:
    """One reason. ``refs`` keeps the worded references (license reference, duties) that the
    lineage manifest records; the id fields and ``dimension``/``value``/``limit`` are for machines."""

    code: str
    blocking: bool
    message: str
    refs: dict = field(default_factory=dict)
    asset: int | None = None
    license: int | None = None
    grant: int | None = None
    consent: int | None = None
    person: int | None = None
    adapter: int | None = None
    taint_cause: dict | None = None
    dimension: str = ""
    value: str = ""
    limit: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "blocking": self.blocking,
            "message": self.message,
            "refs": dict(self.refs),
            "asset": self.asset,
            "license": self.license,
            "grant": self.grant,
            "consent": self.consent,
            "person": self.person,
            "adapter": self.adapter,
            "taint_cause": dict(self.taint_cause) if self.taint_cause is not None else None,
            "dimension": self.dimension,
            "value": self.value,
            "limit": self.limit,
        }


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
        return [r for r in self.reasons if not r.blocking and r.code in RELIED_ON_CODES]

    def as_dict(self) -> dict:
        return {
            "allowed": self.allowed,
            "rule_version": self.rule_version,
            "request": self.request.as_dict(),
            "reasons": [r.as_dict() for r in self.reasons],
        }

    def summary(self) -> str:
        verdict = "ALLOWED" if self.allowed else "DENIED"
        lines = [
            f"{verdict}: {self.request.action} in {self.request.territory}/{self.request.media}"
        ]
        lines += [
            ("  ✗ " if r.blocking else "  ✓ ") + f"[{r.code}] " + r.message for r in self.reasons
        ]
        return "\n".join(lines)
