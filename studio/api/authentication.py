import datetime as dt

from django.db import connection
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from studio.models import ApiToken
from studio.models.tokens import TOKEN_PREFIX, hash_token_key
from studio.scoping import with_scope

KEYWORDS = {b"bearer", b"token"}
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer cc_…``. The request acts as the token's user, narrowed to its scope."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header; send 'Bearer <token>'.")
        raw_key = parts[1].decode("latin-1")
        if not raw_key.startswith(TOKEN_PREFIX):
            raise AuthenticationFailed("Invalid API token.")
        tokens = ApiToken.objects.select_related("user").filter(key_hash=hash_token_key(raw_key))
        if connection.vendor == "postgresql":
            tokens = with_scope(tokens)  # the request's scope, read with the token
        token = tokens.first()
        if token is None:
            raise AuthenticationFailed("Invalid API token.")
        self._check_usable(token)
        self._touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="clearcut"'

    @staticmethod
    def _check_usable(token: ApiToken) -> None:
        if token.revoked_at is not None:
            raise AuthenticationFailed("This API token has been revoked.")
        if token.is_expired:
            raise AuthenticationFailed(f"This API token expired at {token.expires_at.isoformat()}.")
        if not token.user.is_active:
            raise AuthenticationFailed("The user behind this API token is inactive.")

    @staticmethod
    def _touch(token: ApiToken) -> None:
        """Record use at minute resolution, so busy integrations do not write on every request."""
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
