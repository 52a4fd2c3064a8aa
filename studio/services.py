"""Studio-wide writes: productions, memberships and API tokens. Each one is audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from studio.audit import AuditEntry, audit_record, audit_record_many
from studio.choices import Role, ScopeAction
from studio.exceptions import Conflict
from studio.models import ApiToken, Membership, Production
from studio.models.tokens import generate_token_key, hash_token_key

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.contrib.auth.models import AbstractBaseUser

    from studio.actors import Actor

User = get_user_model()


def _require_superuser(actor: Actor, what: str) -> None:
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(f"Only a studio administrator can {what}.")


def production_create(*, actor: Actor, code: str, name: str, description: str = "") -> Production:
    _require_superuser(actor, "create a production")
    production = Production(code=code, name=name, description=description)
    production.full_clean()
    with transaction.atomic():
        production.save(force_insert=True)
        audit_record(
            actor=actor,
            action="studio.production.created",
            production=production,
            target=production,
            after={"code": code, "name": name, "description": description},
        )
    return production


def production_update(*, actor: Actor, production: Production, **changes: str) -> Production:
    """Rename or re-describe a production; the code is permanent (reports and chains cite it)."""
    _require_superuser(actor, "change a production")
    unknown = set(changes) - {"name", "description"}
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in sorted(unknown)})
    with transaction.atomic():
        production = Production.objects.select_for_update().get(pk=production.pk)
        before = {field: getattr(production, field) for field in changes}
        for field, value in changes.items():
            setattr(production, field, value)
        production.full_clean()
        production.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="studio.production.updated",
            production=production,
            target=production,
            before=before,
            after=dict(changes),
        )
    return production


def membership_set(
    *, actor: Actor, production: Production, user: AbstractBaseUser, role: str
) -> Membership:
    """Give ``user`` a role on a production, replacing any role they had there."""
    _require_superuser(actor, "change production roles")
    if role not in Role.values:
        raise ValidationError(
            {"role": f"Unknown role {role!r}; use one of {', '.join(Role.values)}."}
        )
    with transaction.atomic():
        existing = (
            Membership.objects.select_for_update().filter(user=user, production=production).first()
        )
        if existing is not None and existing.role == role:
            return existing
        before = {"user": user.get_username(), "role": existing.role} if existing else None
        membership, _ = Membership.objects.update_or_create(
            user=user, production=production, defaults={"role": role}
        )
        audit_record(
            actor=actor,
            action="studio.membership.set",
            production=production,
            target=membership,
            before=before,
            after={"user": user.get_username(), "role": role},
        )
    return membership


def membership_remove(*, actor: Actor, membership: Membership) -> None:
    _require_superuser(actor, "change production roles")
    with transaction.atomic():
        before = {"user": membership.user.get_username(), "role": membership.role}
        audit_record(
            actor=actor,
            action="studio.membership.removed",
            production=membership.production,
            target=membership,
            before=before,
        )
        membership.delete()


def api_token_check_scope(
    user: AbstractBaseUser, productions: Sequence[Production], can_write: bool
) -> None:
    """A token never reaches further than its user: each production must allow the token's access."""
    needed = ScopeAction.CHANGE if can_write else ScopeAction.VIEW
    wanted = {p.pk: p.code for p in productions}
    allowed = set(
        Production.objects.filter(pk__in=wanted).restrict(user, needed).values_list("pk", flat=True)
    )
    outside = sorted(code for pk, code in wanted.items() if pk not in allowed)
    if outside:
        verb = "write to" if can_write else "read"
        raise ValidationError(
            {"productions": f"{user.get_username()} may not {verb}: {', '.join(outside)}."}
        )


def api_token_create(
    *,
    actor: Actor,
    user: AbstractBaseUser,
    name: str,
    productions: Sequence[Production],
    can_write: bool = False,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is never stored and never shown again."""
    if isinstance(actor, ApiToken):
        raise PermissionDenied("An API token cannot create API tokens; sign in as a person.")
    if actor != user and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("You can only create tokens for yourself.")
    if not productions:
        raise ValidationError({"productions": "A token needs at least one production."})
    now = timezone.now()
    expires_at = expires_at or now + dt.timedelta(days=settings.API_TOKEN_DEFAULT_LIFETIME_DAYS)
    if expires_at <= now:
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    api_token_check_scope(user, productions, can_write)
    raw_key, prefix = generate_token_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            user=user,
            key_prefix=prefix,
            key_hash=hash_token_key(raw_key),
            can_write=can_write,
            expires_at=expires_at,
        )
        token.productions.set(productions)
        facts = {
            "user": user.get_username(),
            "name": name,
            "productions": sorted(p.code for p in productions),
            "can_write": can_write,
            "expires_at": expires_at,
        }
        audit_record_many(
            actor=actor,
            entries=[
                AuditEntry("studio.api_token.created", production, token, after=facts)
                for production in productions
            ],
        )
    return token, raw_key


def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    if not (getattr(actor, "is_superuser", False) or actor == token.user or actor == token):
        raise PermissionDenied("You can only revoke your own tokens.")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict("This token is already revoked.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        for production in token.productions.all():
            audit_record(
                actor=actor,
                action="studio.api_token.revoked",
                production=production,
                target=token,
                after={"revoked_at": token.revoked_at},
            )
    return token
