"""Admin access from production roles: a member sees the admin pages their roles call for.

Django's admin asks for model permissions; this backend derives them from the user's roles, so
roles are managed in one place (memberships) and querysets stay scoped to the user's productions.
"""

from django.contrib.auth.backends import BaseBackend

from studio.choices import Role

_READ = {
    "studio": ["production"],
    "assets": ["asset", "person", "appearance"],
    "licensing": ["party", "license", "consent", "clearancerequest"],
    "editing": ["modelversion", "adapter", "editjob", "trainingrun"],
}
_COORDINATE = {
    "assets": ["asset", "person", "appearance"],
    "licensing": ["clearancerequest"],
    "editing": ["editjob"],
}
_LEGAL = {
    "studio": ["auditevent"],
    "licensing": ["party", "license", "grant", "consent", "clearancerequest", "gateevaluation"],
}


def _perms(models: dict[str, list[str]], verbs: tuple[str, ...]) -> set[str]:
    return {
        f"{app}.{verb}_{model}"
        for app, names in models.items()
        for model in names
        for verb in verbs
    }


ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.VIEWER: _perms(_READ, ("view",)),
    Role.COORDINATOR: _perms(_READ, ("view",)) | _perms(_COORDINATE, ("add", "change")),
    Role.INTEGRATION: _perms(_READ, ("view",)) | _perms(_COORDINATE, ("add", "change")),
    Role.LEGAL: _perms(_READ, ("view",))
    | _perms(_COORDINATE, ("add", "change"))
    | _perms(_LEGAL, ("view", "add", "change")),
}


class ProductionRoleBackend(BaseBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, "_clearcut_role_perms"):
            roles = set(user_obj.memberships.values_list("role", flat=True))
            user_obj._clearcut_role_perms = (
                set().union(*(ROLE_PERMISSIONS[r] for r in roles)) if roles else set()
            )
        return user_obj._clearcut_role_perms

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))


def admin_access(request) -> bool:
    """Staff, or anyone with a role on a production, may open the admin (it shows only their rows)."""
    user = request.user
    if not (user.is_active and user.is_authenticated):
        return False
    return user.is_staff or user.memberships.exists()
