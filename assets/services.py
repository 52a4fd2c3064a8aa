"""Writes on footage and people: ingest, people, appearances, lineage edges. Each one is audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from assets import storage
from assets.choices import AssetOrigin, AssetStatus, C2paState
from assets.credentials import read_credentials
from assets.incoming import IncomingFile, spool_stream
from assets.models import Appearance, Asset, Derivation, Person
from assets.probe import probe
from assets.sniff import sniff, supported_formats
from studio.actors import describe_actor
from studio.audit import audit_record
from studio.choices import ScopeAction
from studio.scoping import has_production_access

if TYPE_CHECKING:
    from studio.actors import Actor
    from studio.models import Production

log = logging.getLogger(__name__)
MAX_FILENAME = 255


@dataclass(frozen=True)
class IngestResult:
    asset: Asset
    created: bool


def file_too_large_message() -> str:
    return f"The file is larger than the limit of {settings.ASSET_MAX_BYTES} bytes."


def require_production_access(actor: Actor, production: Production, action: str) -> None:
    if not has_production_access(actor, production.pk, action):
        raise PermissionDenied(f"You may not {action} in production {production.code}.")


def clean_filename(name: str) -> str:
    """The client's file name is kept as a label only, and must be a plain name."""
    if not name or not name.strip():
        raise ValidationError({"file": "The file has no name."})
    if len(name) > MAX_FILENAME:
        raise ValidationError({"file": f"The file name is longer than {MAX_FILENAME} characters."})
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError({"file": "The file name contains control characters."})
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(
            {"file": "The file name must not contain a path ('/', '\\\\' or '..')."}
        )
    return name


def _facts_for(incoming: IncomingFile, sidecar: bytes | None = None) -> tuple[dict, dict]:
    if incoming.size == 0:
        raise ValidationError({"file": "The file is empty."})
    sniffed = sniff(incoming.head)
    if sniffed is None:
        raise ValidationError(
            {"file": f"Unsupported file type (by content). Supported: {supported_formats()}."}
        )
    technical = probe(incoming.path, sniffed.kind, sniffed.mime_type)
    credentials = read_credentials(incoming.path, sniffed.mime_type, manifest_data=sidecar)
    identity = {"kind": sniffed.kind, "mime_type": sniffed.mime_type}
    return identity | technical, {
        "c2pa_state": credentials.state,
        "c2pa_active_manifest": credentials.active_manifest[:200],
        "c2pa_manifest": credentials.manifest,
        "c2pa_failure_codes": credentials.failure_codes,
    }


def _duplicate(actor: Actor, asset: Asset, filename: str) -> IngestResult:
    audit_record(
        actor=actor,
        action="assets.asset.ingest_duplicate",
        production=asset.production,
        target=asset,
        after={"filename": filename, "sha256": asset.sha256},
    )
    return IngestResult(asset, created=False)


def _create(actor, production, incoming, filename, origin, facts, credentials, key) -> Asset:
    quarantined = credentials["c2pa_state"] == C2paState.INVALID
    asset = Asset.objects.create(
        production=production,
        sha256=incoming.sha256,
        size=incoming.size,
        storage_key=key,
        original_filename=filename,
        origin=origin,
        status=AssetStatus.QUARANTINED if quarantined else AssetStatus.ACTIVE,
        status_reason=(
            "Content Credentials are invalid: " + ", ".join(credentials["c2pa_failure_codes"])
            if quarantined
            else ""
        ),
        ingested_by=describe_actor(actor).actor_name,
        **facts,
        **credentials,
    )
    audit_record(
        actor=actor,
        action="assets.asset.ingested",
        production=production,
        target=asset,
        after={
            "sha256": asset.sha256,
            "size": asset.size,
            "kind": asset.kind,
            "mime_type": asset.mime_type,
            "origin": origin,
            "status": asset.status,
            "c2pa_state": asset.c2pa_state,
            "filename": filename,
        },
    )
    from assets.signals import asset_ingested
    from assets.tasks import make_derivatives

    transaction.on_commit(lambda: make_derivatives.delay(asset.pk))
    transaction.on_commit(lambda: asset_ingested.send(Asset, asset=asset))
    return asset


def asset_ingest(
    *,
    actor: Actor,
    production: Production,
    source: IncomingFile | BinaryIO | Path,
    filename: str,
    origin: str = AssetOrigin.DAILIES,
    sidecar: Path | None = None,
) -> IngestResult:
    """Stream, hash, dedupe, probe, read credentials, store by hash and record one asset.

    Bad input leaves nothing behind: no row, no stored file, no spool file.
    """
    require_production_access(actor, production, ScopeAction.CHANGE)
    filename = clean_filename(filename)
    if origin not in AssetOrigin.values:
        raise ValidationError(
            {"origin": f"Unknown origin {origin!r}; use one of {', '.join(AssetOrigin.values)}."}
        )
    incoming = _spool(source)
    written_key = None
    try:
        existing = Asset.objects.filter(production=production, sha256=incoming.sha256).first()
        if existing is not None:
            incoming.discard()
            with transaction.atomic():
                return _duplicate(actor, existing, filename)
        manifest_data = sidecar.read_bytes() if sidecar is not None else None
        facts, credentials = _facts_for(incoming, manifest_data)
        key, wrote = storage.place(incoming, storage.content_key(incoming.sha256))
        written_key = key if wrote else None
        if manifest_data is not None:
            credentials["c2pa_sidecar_key"] = storage.place_bytes(manifest_data, f"{key}.c2pa")
        try:
            with transaction.atomic():
                asset = _create(
                    actor, production, incoming, filename, origin, facts, credentials, key
                )
        except IntegrityError:
            existing = Asset.objects.filter(production=production, sha256=incoming.sha256).first()
            if existing is None:
                raise
            written_key = None  # the other ingest's row now owns the stored file
            with transaction.atomic():
                return _duplicate(actor, existing, filename)
        return IngestResult(asset, created=True)
    except BaseException:
        incoming.discard()
        if written_key and not Asset.objects.filter(storage_key=written_key).exists():
            storage.remove(written_key)
            storage.remove(f"{written_key}.c2pa")
        raise


def _spool(source: IncomingFile | BinaryIO | Path) -> IncomingFile:
    if isinstance(source, IncomingFile):
        return source
    if isinstance(source, Path):
        with source.open("rb") as handle:
            return spool_stream(handle)
    return spool_stream(source)


def asset_make_derivatives(*, asset_id: int) -> Asset | None:
    """Build the thumbnail and proxy once; a redelivered task finds them and does nothing."""
    from assets.derivatives import build_derivatives

    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or (asset.thumbnail_key and asset.proxy_key):
        return asset
    try:
        keys = build_derivatives(asset)
    except (OSError, ValueError) as exc:
        log.warning("Derivatives for asset %s failed: %s", asset_id, exc)
        return asset
    Asset.objects.filter(pk=asset_id).update(**keys)
    asset.thumbnail_key, asset.proxy_key = keys["thumbnail_key"], keys["proxy_key"]
    return asset


PERSON_FIELDS = (
    "name",
    "kind",
    "email",
    "is_minor",
    "guardian_name",
    "is_deceased",
    "representative_name",
    "notes",
)


def _person_facts(person) -> dict:
    return {f: getattr(person, f) for f in PERSON_FIELDS} | {
        "productions": sorted(p.code for p in person.productions.all())
    }


def person_create(*, actor: Actor, productions: list[Production], **fields) -> Person:
    if not productions:
        raise ValidationError({"productions": "A person belongs to at least one production."})
    for production in productions:
        require_production_access(actor, production, ScopeAction.CHANGE)
    person = Person(**fields)
    person.full_clean()
    with transaction.atomic():
        person.save(force_insert=True)
        person.productions.set(productions)
        for production in productions:
            audit_record(
                actor=actor,
                action="assets.person.created",
                production=production,
                target=person,
                after=_person_facts(person),
            )
    return person


def person_update(
    *, actor: Actor, person: Person, productions: list[Production] | None = None, **changes
) -> Person:
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        current = list(person.productions.all())
        for production in {*current, *(productions or [])}:
            require_production_access(actor, production, ScopeAction.CHANGE)
        before = _person_facts(person)
        for field, value in changes.items():
            setattr(person, field, value)
        person.full_clean()
        person.save()
        if productions is not None:
            if not productions:
                raise ValidationError(
                    {"productions": "A person belongs to at least one production."}
                )
            person.productions.set(productions)
        after = _person_facts(person)
        for production in person.productions.all():
            audit_record(
                actor=actor,
                action="assets.person.updated",
                production=production,
                target=person,
                before=before,
                after=after,
            )
    return person


def _check_range(appearance: Appearance) -> None:
    asset = appearance.asset
    errors = {}
    if appearance.end_seconds is not None and asset.duration_seconds is not None:
        if appearance.end_seconds > asset.duration_seconds + 1e-6:
            errors["end_seconds"] = f"The clip is only {asset.duration_seconds:.3f} s long."
    if appearance.end_frame is not None and asset.frame_count is not None:
        if appearance.end_frame > asset.frame_count:
            errors["end_frame"] = f"The clip has only {asset.frame_count} frames."
    if not asset.production.people.filter(pk=appearance.person_id).exists():
        errors["person"] = f"{appearance.person} is not on production {asset.production.code}."
    if errors:
        raise ValidationError(errors)


def _appearance_facts(appearance: Appearance) -> dict:
    return {
        "person": appearance.person_id,
        "person_name": appearance.person.name,
        "asset": appearance.asset_id,
        "start_seconds": appearance.start_seconds,
        "end_seconds": appearance.end_seconds,
        "start_frame": appearance.start_frame,
        "end_frame": appearance.end_frame,
        "note": appearance.note,
    }


def appearance_create(*, actor: Actor, asset: Asset, person: Person, **ranges) -> Appearance:
    require_production_access(actor, asset.production, ScopeAction.CHANGE)
    appearance = Appearance(asset=asset, person=person, **ranges)
    appearance.full_clean()
    _check_range(appearance)
    with transaction.atomic():
        appearance.save(force_insert=True)
        audit_record(
            actor=actor,
            action="assets.appearance.created",
            production=asset.production,
            target=appearance,
            after=_appearance_facts(appearance),
        )
    return appearance


def appearance_update(*, actor: Actor, appearance: Appearance, **changes) -> Appearance:
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    before = _appearance_facts(appearance)
    for field, value in changes.items():
        setattr(appearance, field, value)
    # The asset may have changed: the caller must be able to change the new footage too.
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    appearance.full_clean()
    _check_range(appearance)
    with transaction.atomic():
        appearance.save()
        audit_record(
            actor=actor,
            action="assets.appearance.updated",
            production=appearance.asset.production,
            target=appearance,
            before=before,
            after=_appearance_facts(appearance),
        )
    return appearance


def appearance_delete(*, actor: Actor, appearance: Appearance) -> None:
    require_production_access(actor, appearance.asset.production, ScopeAction.CHANGE)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="assets.appearance.deleted",
            production=appearance.asset.production,
            target=appearance,
            before=_appearance_facts(appearance),
        )
        appearance.delete()


def derivation_record(
    *,
    actor: Actor,
    production: Production,
    output: tuple[str, int],
    inputs: list[tuple[str, int, str]],
    activity: tuple[str, int | None],
) -> list[Derivation]:
    """Record that ``output`` was made from ``inputs`` (type, id, role) by ``activity``; idempotent."""
    require_production_access(actor, production, ScopeAction.CHANGE)
    edges = [
        Derivation(
            production=production,
            output_type=output[0],
            output_id=output[1],
            input_type=input_type,
            input_id=input_id,
            role=role,
            activity_type=activity[0],
            activity_id=activity[1],
        )
        for input_type, input_id, role in inputs
    ]
    with transaction.atomic():
        Derivation.objects.bulk_create(edges, ignore_conflicts=True)
        audit_record(
            actor=actor,
            action="assets.lineage.recorded",
            production=production,
            target_type=output[0],
            target_id=str(output[1]),
            after={"inputs": [list(i) for i in inputs], "activity": list(activity)},
        )
    return edges


def server_paths_expand(paths: list[Path]) -> list[Path]:
    """Files to ingest from the server's disks: only below ASSET_INGEST_ROOTS, links resolved first.

    A folder is walked recursively; a symlink that leads outside the roots is refused like any
    other path outside them.
    """
    roots = settings.ASSET_INGEST_ROOTS
    if not roots:
        raise ValidationError(
            "Server-side ingest is off: set ASSET_INGEST_ROOTS to the allowed folders."
        )
    files: list[Path] = []
    for given in paths:
        for candidate in sorted(given.rglob("*")) if given.is_dir() else [given]:
            real = candidate.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                raise ValidationError(
                    f"{candidate} is outside the allowed ingest folders ({', '.join(map(str, roots))})."
                )
            if real.is_file():
                files.append(real)
            elif not real.exists():
                raise ValidationError(f"{candidate} does not exist.")
    return files


def asset_credentials(*, asset: Asset):
    """Verify the stored file's Content Credentials now (trust lists change; stored state may be old)."""
    from django.core.files.storage import default_storage

    manifest_data = None
    if asset.c2pa_sidecar_key:
        with default_storage.open(asset.c2pa_sidecar_key, "rb") as handle:
            manifest_data = handle.read()
    with storage.LocalCopy(asset.storage_key) as path:
        return read_credentials(path, asset.mime_type, manifest_data=manifest_data)


def credentials_verify_upload(*, path: Path, size: int, sidecar: bytes | None = None):
    """Verify any file's credentials; nothing is stored. Unsupported or empty files are refused."""
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    with path.open("rb") as handle:
        head = handle.read(64)
    sniffed = sniff(head)
    if sniffed is None:
        raise ValidationError(
            {"file": f"Unsupported file type (by content). Supported: {supported_formats()}."}
        )
    return sniffed, read_credentials(path, sniffed.mime_type, manifest_data=sidecar)


def output_stamp(
    *, source: Path, target: Path, mime_type: str, facts, inputs: list[tuple[Asset, str]]
):
    """Stamp an output made from stored assets (each with its relationship: parentOf, componentOf).

    The inputs' own credentials (embedded or sidecar) travel with them as ingredients.
    """
    from contextlib import ExitStack

    from django.core.files.storage import default_storage

    from assets.credentials.manifest import Ingredient
    from assets.credentials.stamp import stamp

    with ExitStack() as stack:
        ingredients = []
        for asset, relationship in inputs:
            path = stack.enter_context(storage.LocalCopy(asset.storage_key))
            manifest_data = None
            if asset.c2pa_sidecar_key:
                with default_storage.open(asset.c2pa_sidecar_key, "rb") as handle:
                    manifest_data = handle.read()
            ingredients.append(
                Ingredient(
                    title=asset.original_filename,
                    mime_type=asset.mime_type,
                    path=str(path),
                    relationship=relationship,
                    asset_id=asset.pk,
                    sha256=asset.sha256,
                    manifest_data=manifest_data,
                )
            )
        return stamp(
            source=source, target=target, mime_type=mime_type, facts=facts, ingredients=ingredients
        )


def asset_withdraw(
    *, actor: Actor, assets: list[Asset], reason: str, override_reason: str = ""
) -> list[Asset]:
    """Legal pulls outputs: downloads are refused from now on and MAMs are told.

    Withdrawing something that is not tainted is an exceptional decision: it needs an override reason.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the assets are withdrawn."})
    if not assets:
        raise ValidationError({"assets": "Name the assets to withdraw."})
    for asset in assets:
        require_production_access(actor, asset.production, ScopeAction.LEGAL)
    clean = sorted(
        a.pk for a in assets if a.status not in (AssetStatus.TAINTED, AssetStatus.WITHDRAWN)
    )
    if clean and not override_reason.strip():
        raise ValidationError(
            {
                "override_reason": f"Assets {clean} are not tainted; withdrawing them needs an "
                "override reason."
            }
        )
    withdrawn = []
    with transaction.atomic():
        for asset in (
            Asset.objects.select_for_update().filter(pk__in=[a.pk for a in assets]).order_by("pk")
        ):
            if asset.status == AssetStatus.WITHDRAWN:
                continue
            before = {"status": asset.status, "status_reason": asset.status_reason}
            asset.status, asset.status_reason = AssetStatus.WITHDRAWN, f"withdrawn: {reason}"[:500]
            asset.save(update_fields=["status", "status_reason", "updated_at"])
            audit_record(
                actor=actor,
                action="assets.asset.withdrawn",
                production=asset.production,
                target=asset,
                before=before,
                after={
                    "status": asset.status,
                    "reason": reason,
                    "override_reason": override_reason,
                },
            )
            withdrawn.append(asset)
        transaction.on_commit(lambda: _announce_withdrawn(withdrawn, reason))
    return withdrawn


def _announce_withdrawn(assets: list[Asset], reason: str) -> None:
    from studio.webhooks.services import webhook_emit

    for asset in assets:
        webhook_emit(
            event_type="asset.withdrawn",
            production=asset.production,
            data={"asset": asset.pk, "sha256": asset.sha256, "reason": reason},
        )
