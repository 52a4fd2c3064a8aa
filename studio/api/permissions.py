from rest_framework.permissions import SAFE_METHODS, BasePermission

from studio.choices import ScopeAction
from studio.models import ApiToken
from studio.scoping import has_production_access


def request_principal(request):
    """The token when one authenticated the request (its scope narrows the user's), else the user."""
    return request.auth if isinstance(request.auth, ApiToken) else request.user


def production_id_of(obj) -> int | None:
    scope_field = getattr(obj, "scope_production_id", None)
    if scope_field is not None:
        return scope_field
    return getattr(obj, "production_id", None)


class SignedIn(BasePermission):
    """Signed in (session or token), and a read-only token only reads.

    For objects that belong to a person rather than a production (their own API tokens); the
    service checks ownership.
    """

    message = "You do not have permission to do this."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method not in SAFE_METHODS and isinstance(request.auth, ApiToken):
            if not request.auth.can_write:
                self.message = "This API token is read-only."
                return False
        return True


class SignedInReader(BasePermission):
    """Signed in, by session or by any token: for a POST that only reads (verifying the audit
    chain), which a read-only token may make too. The view checks the production scope."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)


class ProductionScoped(SignedIn):
    """Writes also need the view's write action (``change`` by default) on the object's production.

    Reads are scoped by the viewset's queryset (``restrict``), so an object of another production is
    a 404, never a 403 that would confirm it exists.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        action = getattr(view, "write_scope_action", ScopeAction.CHANGE)
        if has_production_access(request_principal(request), production_id_of(obj), action):
            return True
        self.message = f"Your role on this production does not allow '{action}'."
        return False
