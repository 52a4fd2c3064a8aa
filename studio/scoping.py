"""Production scope: which rows a principal (a user, or an API token acting for one) may touch.

Every production-scoped model uses ``ScopedQuerySet``; the API base viewset and the selectors call
``.restrict(principal, action)`` so that lists and details only ever show the principal's productions;
services of every app check a write with ``require_production_access``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router

from studio.actors import SystemActor
from studio.choices import WRITE_ACTIONS, ScopeAction, roles_allowing
from studio.prepared import statement_cursor

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from studio.actors import Actor
    from studio.models import ApiToken, Production

    Principal = AbstractBaseUser | ApiToken


def _studio_model(name: str) -> type[models.Model]:
    # The studio models are built on the querysets below, so they are looked up, not imported.
    return apps.get_model("studio", name)


def principal_user(principal: Principal):
    """The user behind a principal: the token's owner for a token, else the user itself."""
    return principal.user if isinstance(principal, _studio_model("ApiToken")) else principal


def allowed_production_ids(
    principal: Principal | None, action: str
) -> models.QuerySet | list[int] | None:
    """A subquery of production ids the principal may act on, or None for "every production"; for
    an API token read with its scope (``studio.api.authentication.find_token``), the list of those
    ids.

    Never evaluated here: callers embed it in their own query, so scoping costs no extra round trip.
    """
    Membership, Production = _studio_model("Membership"), _studio_model("Production")
    if isinstance(principal, SystemActor):
        return None  # a named process run by an operator on the server (CLI, beat sweeps)
    if principal is None or not getattr(principal_user(principal), "is_authenticated", False):
        return Production.objects.none().values("pk")
    user = principal_user(principal)
    if not user.is_active:
        return Production.objects.none().values("pk")
    if isinstance(principal, _studio_model("ApiToken")):
        if action in WRITE_ACTIONS and not principal.can_write:
            return Production.objects.none().values("pk")
        if hasattr(principal, SCOPE_LOADED):
            return _loaded_scope_ids(principal, action, superuser=user.is_superuser)
        token_scope = principal.productions.all().values("pk")
        if user.is_superuser:
            return token_scope
        return (
            Membership.objects.filter(user=user, role__in=roles_allowing(action))
            .filter(production__in=token_scope)
            .values("production_id")
        )
    if user.is_superuser:
        return None
    return Membership.objects.filter(user=user, role__in=roles_allowing(action)).values(
        "production_id"
    )


# Read with the token by the API's authentication (``scope_arrays``): the token's productions, and
# the user's memberships as two arrays in the same order.
SCOPE_LOADED = "scope_production_ids"


def scope_arrays(token: str, using: str) -> dict[str, str]:
    """The SQL of the arrays ``allowed_production_ids`` reads from a loaded token, by attribute
    name, for a token row named ``token`` (a quoted table name or alias) in the same statement."""
    quote = connections[using].ops.quote_name
    Membership = _studio_model("Membership")
    links = _studio_model("ApiToken").productions.through
    by_token = f"{quote('apitoken_id')} = {token}.{quote('id')}"
    by_user = f"{quote('user_id')} = {token}.{quote('user_id')}"
    arrays = {
        SCOPE_LOADED: (links, "production_id", by_token),
        "scope_membership_ids": (Membership, "production_id", by_user),
        "scope_membership_roles": (Membership, "role", by_user),
    }
    return {
        name: (
            f"ARRAY(SELECT {quote(column)} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {where} ORDER BY {quote('id')})"
        )
        for name, (model, column, where) in arrays.items()
    }


def _loaded_scope_ids(token: ApiToken, action: str, *, superuser: bool) -> list[int]:
    """``allowed_production_ids`` from the arrays read with the token: the token's productions, narrowed
    to those where the user holds a role allowing ``action`` (a superuser needs none)."""
    productions = set(getattr(token, SCOPE_LOADED))
    if superuser:
        return sorted(productions)
    roles = roles_allowing(action)
    return sorted(
        {
            production
            for production, role in zip(
                token.scope_membership_ids, token.scope_membership_roles, strict=True
            )
            if role in roles and production in productions
        }
    )


def has_production_access(
    principal: Principal | None, production_id: int | None, action: str
) -> bool:
    ids = allowed_production_ids(principal, action)
    if ids is None:
        return True
    if production_id is None:
        return False
    if isinstance(ids, list):
        return production_id in ids
    return _studio_model("Production").objects.filter(pk=production_id, pk__in=ids).exists()


ROLE_PLURALS = {
    "legal": "legal staff",
    "coordinator": "coordinators",
    "integration": "integrations",
    "viewer": "viewers",
}
ACTION_PHRASES = {
    ScopeAction.VIEW: "see this",
    ScopeAction.CHANGE: "make this change",
    ScopeAction.AUDIT: "read the audit trail and legal reports",
    ScopeAction.LEGAL: "make legal decisions (licenses, consents, clearances, withdrawals)",
}


def access_refusal(actor: Actor, production: Production, action: str) -> str:
    """Why ``actor`` may not ``action`` in ``production``, in words a person can act on."""
    token = actor if getattr(actor, "key_hash", None) is not None else None
    if token is not None and action in WRITE_ACTIONS and not token.can_write:
        return (
            f"This API token is read-only; use a read-write token to "
            f"{ACTION_PHRASES.get(action, action)} in {production.code}."
        )
    roles = [ROLE_PLURALS.get(role, role) for role in roles_allowing(action)]
    who = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " and " + roles[-1]
    return f"Only {who} of {production.code} can {ACTION_PHRASES.get(action, action)}."


def require_productions_access(actor: Actor, productions, action: str) -> None:
    """``require_production_access`` for several productions in one query; the first refused one
    (in the order given) is named."""
    productions = list(dict.fromkeys(productions))
    ids = allowed_production_ids(actor, action)
    if ids is None or not productions:
        return
    allowed = (
        set(ids)
        if isinstance(ids, list)
        else set(
            _studio_model("Production")
            .objects.filter(pk__in=[p.pk for p in productions])
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
    )
    for production in productions:
        if production.pk not in allowed:
            raise PermissionDenied(access_refusal(actor, production, action))


def require_production_access(actor: Actor, production: Production, action: str) -> None:
    """For services: raise ``PermissionDenied`` unless ``actor`` may ``action`` in ``production``."""
    if not has_production_access(actor, production.pk, action):
        raise PermissionDenied(access_refusal(actor, production, action))


def pks_in_scope(
    model: type[models.Model], principal: Principal | None, action: str, *, field: str, values
) -> list:
    """The primary keys of ``model``'s rows whose ``field`` is one of ``values`` and that
    ``principal`` may ``action`` on: the rows ``model.objects.restrict(principal, action)`` would
    list, in one query.

    Where the scope is already known (an API token read with its scope, or none to apply) and the
    model reaches its production through one of its own columns, the statement is written once per
    model and field and sent with the values as parameters: the API validates the ids in a request
    on every call, and building and compiling the ORM's query cost several times running it.
    Otherwise the ORM's query is used. Text with a NUL byte names no row (PostgreSQL refuses to
    compare it)."""
    values = [v for v in values if not (isinstance(v, str) and "\x00" in v)]
    if not values:
        return []
    ids = allowed_production_ids(principal, action)
    statement = _scope_statement(model, field, scoped=ids is not None)
    if statement is None or not (ids is None or isinstance(ids, list)):
        rows = model.objects.restrict(principal, action).filter(**{f"{field}__in": values})
        return list(rows.order_by().values_list("pk", flat=True))
    using = router.db_for_read(model)
    with statement_cursor(connections[using]) as cursor:
        cursor.execute(statement, [values] if ids is None else [values, ids])
        return [row[0] for row in cursor.fetchall()]


_SCOPE_STATEMENTS: dict[tuple, str | None] = {}


def _scope_statement(model: type[models.Model], field: str, *, scoped: bool) -> str | None:
    key = (model, field, scoped)
    if key not in _SCOPE_STATEMENTS:
        _SCOPE_STATEMENTS[key] = _write_scope_statement(model, field, scoped=scoped)
    return _SCOPE_STATEMENTS[key]


def own_scope_column(model: type[models.Model]) -> models.Field | None:
    """The model's own column its production is read from (the primary key of a production), or
    None where the scope is reached through a join or the model is not scoped."""
    scope_field = getattr(model.objects.all(), "scope_field", None)
    if scope_field is None:
        return None
    opts = model._meta
    scope = opts.pk if scope_field == "pk" else opts.get_field(scope_field)
    if scope.model is not model or not scope.concrete or scope.many_to_many:
        return None
    return scope


def _write_scope_statement(model: type[models.Model], field: str, *, scoped: bool) -> str | None:
    connection = connections[router.db_for_read(model)]
    if connection.vendor != "postgresql":
        return None
    opts = model._meta
    scope = own_scope_column(model)
    if scope is None:
        return None  # reached through a join: the ORM writes it
    quote = connection.ops.quote_name
    column = opts.pk.column if field == "pk" else opts.get_field(field).column
    where = f"{quote(column)} = ANY(%s)"
    if scoped:
        where += f" AND {quote(scope.column)} = ANY(%s)"
    # Quoted names from the model's metadata; every value is a parameter.
    return f"SELECT {quote(opts.pk.column)} FROM {quote(opts.db_table)} WHERE {where}"  # noqa: S608


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its model to ``Production``.

    ``scope_field`` is that lookup path (``"production"`` for most models, ``"pk"`` for Production).
    Rows with no production are studio-wide and visible to superusers only.
    """

    scope_field = "production"

    def restrict(self, principal: Principal | None, action: str = ScopeAction.VIEW):
        ids = allowed_production_ids(principal, action)
        if ids is None:
            return self
        return self.filter(**{f"{self.scope_field}__in": ids})


class ProductionScopedQuerySet(ScopedQuerySet):
    scope_field = "pk"
