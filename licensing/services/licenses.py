"""Parties, licenses and their grants. Only legal staff change them; every change is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from licensing.choices import Coverage, LicenseStatus
from licensing.models import Grant, License, LicensedAsset, Party
from licensing.odrl import odrl_to_license
from licensing.odrl.terms import refuse
from licensing.services.taint import taint_follow_license
from licensing.validation import check_grant, check_window
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.exceptions import Conflict
from studio.models import Production
from studio.scoping import allowed_production_ids, require_production_access

if TYPE_CHECKING:
    from studio.actors import Actor

GRANT_FIELDS = (
    "section",
    "kind",
    "action",
    "territory_include",
    "territory_exclude",
    "media",
    "languages",
    "valid_from",
    "valid_until",
    "exclusive",
    "attribution",
    "notice",
)
LICENSE_FIELDS = ("reference", "title", "status", "starts_at", "ends_at", "coverage")


def _require_legal_somewhere(actor: Actor) -> None:
    ids = allowed_production_ids(actor, ScopeAction.LEGAL)
    if ids is not None and not Production.objects.filter(pk__in=ids).exists():
        raise PermissionDenied("Only legal staff manage parties.")


def party_create(
    *, actor: Actor, name: str, kind: str = "organisation", contact_email: str = "", notes: str = ""
) -> Party:
    _require_legal_somewhere(actor)
    party = Party(name=name, kind=kind, contact_email=contact_email, notes=notes)
    party.full_clean()
    with transaction.atomic():
        party.save(force_insert=True)
        audit_record(
            actor=actor,
            action="licensing.party.created",
            target=party,
            after={"name": name, "kind": kind},
        )
    return party


def grant_facts(grant: Grant) -> dict:
    facts = {field: getattr(grant, field) for field in GRANT_FIELDS}
    facts["productions"] = sorted(p.code for p in grant.productions.all()) if grant.pk else []
    return facts


def license_facts(license: License) -> dict:
    facts = {field: getattr(license, field) for field in LICENSE_FIELDS}
    facts |= {"licensor": license.licensor.name, "licensee": license.licensee.name}
    facts["grants"] = [grant_facts(g) for g in license.grants.all()]
    return facts


def _add_grants(license: License, grants: list[dict]) -> None:
    for index, data in enumerate(grants):
        data = dict(data)
        productions = data.pop("productions", [])
        check_grant(data, prefix=f"grants.{index}.")
        unknown = set(data) - set(GRANT_FIELDS)
        if unknown:
            raise ValidationError(
                {f"grants.{index}.{name}": "Unknown field." for name in sorted(unknown)}
            )
        grant = Grant.objects.create(license=license, **data)
        grant.productions.set(productions)


def license_create(
    *,
    actor: Actor,
    production: Production,
    licensor: Party,
    licensee: Party,
    grants: list[dict] | None = None,
    assets: list[Asset] | None = None,
    contract_document: Asset | None = None,
    **fields,
) -> License:
    """A license with its grants and listed assets, created whole or not at all."""
    require_production_access(actor, production, ScopeAction.LEGAL)
    check_window(
        fields.get("starts_at"), fields.get("ends_at"), start_field="starts_at", end_field="ends_at"
    )
    license = License(
        production=production,
        licensor=licensor,
        licensee=licensee,
        contract_document=contract_document,
        **fields,
    )
    license.full_clean()
    _check_assets(production, assets or [])
    _check_contract(production, contract_document)
    with transaction.atomic():
        license.save(force_insert=True)
        _add_grants(license, grants or [])
        LicensedAsset.objects.bulk_create(
            [LicensedAsset(license=license, asset=a) for a in assets or []]
        )
        audit_record(
            actor=actor,
            action="licensing.license.created",
            production=production,
            target=license,
            after=license_facts(license),
        )
    return license


def _check_contract(production: Production, document: Asset | None) -> None:
    if document is not None and document.production_id != production.pk:
        raise ValidationError(
            {"contract_document": "The contract document belongs to another production."}
        )


def _check_assets(production: Production, assets: list[Asset]) -> None:
    foreign = sorted(a.pk for a in assets if a.production_id != production.pk)
    if foreign:
        raise ValidationError({"assets": f"Assets {foreign} belong to another production."})


def license_update(
    *, actor: Actor, license: License, grants: list[dict] | None = None, **changes
) -> License:
    """Change a license's terms; ``grants`` replaces all its grants when given."""
    require_production_access(actor, license.production, ScopeAction.LEGAL)
    with transaction.atomic():
        license = License.objects.select_for_update().get(pk=license.pk)
        before = license_facts(license)
        for field, value in changes.items():
            setattr(license, field, value)
        check_window(
            license.starts_at, license.ends_at, start_field="starts_at", end_field="ends_at"
        )
        _check_contract(license.production, license.contract_document)
        license.full_clean()
        license.save()
        if grants is not None:
            license.grants.all().delete()
            _add_grants(license, grants)
        audit_record(
            actor=actor,
            action="licensing.license.updated",
            production=license.production,
            target=license,
            before=before,
            after=license_facts(license),
        )
    return license


ALLOWED_TRANSITIONS = {
    LicenseStatus.DRAFT: {LicenseStatus.ACTIVE, LicenseStatus.TERMINATED},
    LicenseStatus.ACTIVE: {
        LicenseStatus.SUSPENDED,
        LicenseStatus.TERMINATED,
        LicenseStatus.EXPIRED,
    },
    LicenseStatus.SUSPENDED: {LicenseStatus.ACTIVE, LicenseStatus.TERMINATED},
    LicenseStatus.EXPIRED: {LicenseStatus.ACTIVE},
    LicenseStatus.TERMINATED: set(),
}


def license_set_status(*, actor: Actor, license: License, status: str, reason: str = "") -> License:
    """Activate, suspend, terminate, expire or reinstate a license; terminated is final."""
    require_production_access(actor, license.production, ScopeAction.LEGAL)
    with transaction.atomic():
        license = License.objects.select_for_update().get(pk=license.pk)
        if status == license.status:
            raise Conflict(f"License {license.reference} is already {status}.")
        if status not in ALLOWED_TRANSITIONS[license.status]:
            raise Conflict(
                f"License {license.reference} cannot go from {license.status} to {status}."
            )
        before = license.status
        license.status = status
        license.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action=f"licensing.license.{status}",
            production=license.production,
            target=license,
            before={"status": before},
            after={"status": status, "reason": reason},
        )
        taint_follow_license(actor=actor, license=license, before=before, reason=reason)
    return license


def license_link_assets(*, actor: Actor, license: License, assets: list[Asset]) -> int:
    """List more assets on a license that covers listed assets; returns how many were new."""
    require_production_access(actor, license.production, ScopeAction.LEGAL)
    if license.coverage != Coverage.LISTED:
        raise ValidationError(
            {"assets": f"License {license.reference} covers {license.coverage}, not listed assets."}
        )
    _check_assets(license.production, assets)
    with transaction.atomic():
        existing = set(license.listed.values_list("asset_id", flat=True))
        new = [a for a in assets if a.pk not in existing]
        LicensedAsset.objects.bulk_create([LicensedAsset(license=license, asset=a) for a in new])
        if new:
            audit_record(
                actor=actor,
                action="licensing.license.assets_linked",
                production=license.production,
                target=license,
                after={"assets": [a.pk for a in new]},
            )
    return len(new)


def license_expire_due(*, actor: Actor, now=None) -> list[License]:
    """Mark active licenses whose end has passed as expired (the sweep calls this)."""
    now = now or timezone.now()
    due = License.objects.filter(status=LicenseStatus.ACTIVE, ends_at__lte=now).select_related(
        "production"
    )
    return [
        license_set_status(
            actor=actor, license=lic, status=LicenseStatus.EXPIRED, reason="end date passed"
        )
        for lic in due
    ]


def license_import_odrl(*, actor: Actor, production: Production, document) -> License:
    """Create a license from an ODRL policy, whole or not at all (parties are found or created).

    Scope and role are checked first, so what a caller may not see cannot shape the answer."""
    require_production_access(actor, production, ScopeAction.LEGAL)
    parsed = odrl_to_license(document)
    if parsed["fields"]["starts_at"] is None:
        raise refuse(("clearcut:startsAt",), "The license needs a start date-time.")
    reference = parsed["fields"]["reference"]
    if License.objects.filter(production=production, reference=reference).exists():
        raise Conflict(f"{production.code} already has a license with reference {reference}.")
    assets = list(Asset.objects.filter(production=production, sha256__in=parsed["assets"]))
    missing = sorted(set(parsed["assets"]) - {a.sha256 for a in assets})
    if missing:
        raise refuse(
            ("clearcut:assets",), f"No asset of {production.code} has SHA-256 {', '.join(missing)}."
        )
    codes = {c for g in parsed["grants"] for c in g["production_codes"]}
    by_code = {p.code: p for p in Production.objects.filter(code__in=codes)}
    if codes - set(by_code):
        raise ValidationError(
            {"permission": f"Unknown production(s): {', '.join(sorted(codes - set(by_code)))}."}
        )
    for grant in parsed["grants"]:
        grant["productions"] = [by_code[c] for c in grant.pop("production_codes")]
    contract = None
    if parsed["contract_document"]:
        contract = Asset.objects.filter(
            production=production, sha256=parsed["contract_document"]
        ).first()
        if contract is None:
            raise refuse(
                ("clearcut:contractDocument",), f"No asset of {production.code} has that SHA-256."
            )
    with transaction.atomic():
        licensor, _ = Party.objects.get_or_create(name=parsed["licensor"])
        licensee, _ = Party.objects.get_or_create(name=parsed["licensee"])
        return license_create(
            actor=actor,
            production=production,
            licensor=licensor,
            licensee=licensee,
            grants=parsed["grants"],
            assets=assets,
            contract_document=contract,
            **parsed["fields"],
        )
