"""A small, hand-built world for gate scenarios: footage, lineage, people, parties.

Scenarios add licenses and consents with the short builders below and ask one question.
"""

import datetime as dt
from dataclasses import dataclass, field

from assets.choices import AssetOrigin, LineageNode
from assets.models import Appearance, Asset, Derivation, Person
from licensing.choices import ConsentScope, Coverage, GrantKind, LicenseStatus
from licensing.gate import UseRequest
from licensing.models import (
    AssetRightsHolder,
    Consent,
    Grant,
    License,
    LicensedAsset,
    Party,
    Revocation,
)
from studio.models import Production

UTC = dt.UTC
NY = dt.timezone(dt.timedelta(hours=-5))
TOKYO = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
USE = dt.datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@dataclass
class World:
    production: Production
    other: Production
    studio: Party
    stock_co: Party
    assets: dict[str, Asset] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    licenses: dict[str, License] = field(default_factory=dict)
    consents: dict[str, Consent] = field(default_factory=dict)
    counter: int = 0

    def license(
        self,
        ref,
        *grants,
        coverage=Coverage.PRODUCTION,
        status=LicenseStatus.ACTIVE,
        starts=T0,
        ends=None,
        listed=(),
        licensor=None,
        production=None,
    ):
        lic = License.objects.create(
            production=production or self.production,
            reference=ref,
            title=ref,
            licensor=licensor or self.stock_co,
            licensee=self.studio,
            status=status,
            starts_at=starts,
            ends_at=ends,
            coverage=coverage,
        )
        for name in listed:
            LicensedAsset.objects.create(license=lic, asset=self.assets[name])
        for spec in grants:
            spec = dict(spec)
            productions = spec.pop("productions", [])
            grant = Grant.objects.create(license=lic, **spec)
            grant.productions.set(productions)
        self.licenses[ref] = lic
        return lic

    def consent(
        self,
        key,
        person,
        scope=ConsentScope.DIGITAL_ALTERATION,
        *,
        productions=None,
        starts=T0,
        ends=None,
        revoked=None,
        guardian=False,
        representative=False,
    ):
        consent = Consent.objects.create(
            person=self.people[person],
            scope=scope,
            description="scenario",
            valid_from=starts,
            valid_until=ends,
            signed_by=person,
            guardian_signature=guardian,
            representative_signature=representative,
            signed_at=starts,
        )
        consent.productions.set(productions or [self.production])
        if revoked:
            Revocation.objects.create(
                consent=consent, revoked_at=revoked, reason="withdrawn", recorded_by="legal"
            )
        self.consents[key] = consent
        return consent

    def request(
        self,
        *names,
        action="ai_edit",
        territory="US",
        media="svod",
        when=USE,
        language="",
        adapters=(),
        scopes=None,
        production=None,
        zone="",
    ):
        return UseRequest(
            action=action,
            production_id=(production or self.production).pk,
            asset_ids=tuple(self.assets[n].pk for n in names),
            territory=territory,
            media=media,
            at=when,
            language=language,
            adapter_ids=tuple(adapters),
            consent_scopes=scopes,
            time_zone=zone,
        )


def permission(action="ai_edit", **constraints):
    return {"kind": GrantKind.PERMISSION, "action": action, **constraints}


def prohibition(action="ai_edit", **constraints):
    return {"kind": GrantKind.PROHIBITION, "action": action, **constraints}


def _asset(production, name, origin=AssetOrigin.DAILIES):
    digest = f"{abs(hash((production.pk, name))):064x}"[-64:]
    return Asset.objects.create(
        production=production,
        sha256=digest,
        kind="video",
        mime_type="video/mp4",
        size=1000,
        storage_key=f"originals/{digest}",
        original_filename=name,
        origin=origin,
        ingested_by="test",
    )


def _derive(production, output, source, activity_id):
    Derivation.objects.create(
        production=production,
        output_type=LineageNode.ASSET,
        output_id=output.pk,
        input_type=LineageNode.ASSET,
        input_id=source.pk,
        activity_type="edit_job",
        activity_id=activity_id,
    )


def build_world() -> World:
    production = Production.objects.create(code="ALPHA", name="Alpha")
    other = Production.objects.create(code="BRAVO", name="Bravo")
    world = World(
        production, other, Party.objects.create(name="Studio"), Party.objects.create(name="StockCo")
    )
    for name in ("a1", "a2", "a3"):
        world.assets[name] = _asset(production, name)
    world.assets["stock"] = _asset(production, "stock", AssetOrigin.LICENSED_STOCK)
    AssetRightsHolder.objects.create(asset=world.assets["stock"], party=world.stock_co)
    world.assets["foreign"] = _asset(other, "foreign")
    # a1 -> out1 -> out2 -> out3: three generations of AI outputs
    previous = world.assets["a1"]
    for level in (1, 2, 3):
        output = _asset(production, f"out{level}", AssetOrigin.AI_OUTPUT)
        _derive(production, output, previous, level)
        world.assets[f"out{level}"] = previous = output
    world.people["maya"] = Person.objects.create(name="Maya")
    world.people["leo"] = Person.objects.create(name="Leo", is_minor=True, guardian_name="Grace")
    world.people["old"] = Person.objects.create(
        name="Old", is_deceased=True, representative_name="Estate"
    )
    for person in world.people.values():
        person.productions.set([production, other])
    return world


def appears(world: World, person: str, *assets: str) -> None:
    for name in assets:
        Appearance.objects.create(person=world.people[person], asset=world.assets[name])
