"""Who acts: a user, an API token acting for its user, or the system itself (a scheduled sweep)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import apps

from studio.choices import ActorType

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from studio.models import ApiToken


@dataclass(frozen=True)
class SystemActor:
    """A named background process, for work no person started (expiry sweeps, migrations)."""

    name: str


if TYPE_CHECKING:
    Actor = AbstractBaseUser | ApiToken | SystemActor


@dataclass(frozen=True)
class ActorRecord:
    actor_type: str
    actor_id: int | None
    actor_name: str
    token_id: int | None


def describe_actor(actor: AbstractBaseUser | ApiToken | SystemActor) -> ActorRecord:
    if isinstance(actor, SystemActor):
        return ActorRecord(ActorType.SYSTEM, None, f"system:{actor.name}", None)
    # studio.scoping (which studio's models use) imports this module: the model is looked up.
    if isinstance(actor, apps.get_model("studio", "ApiToken")):
        user = actor.user
        name = f"{user.get_username()} (token {actor.name})"
        return ActorRecord(ActorType.TOKEN, user.pk, name[:150], actor.pk)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValueError("An audited action needs an authenticated actor or a SystemActor.")
    return ActorRecord(ActorType.USER, actor.pk, actor.get_username(), None)
