import datetime as dt

from django.db import connections, router
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from studio.models import ApiToken
from studio.models.tokens import TOKEN_PREFIX, hash_token_key
from studio.prepared import statement_cursor
from studio.scoping import scope_arrays

KEYWORDS = {b"bearer", b"token"}
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer cc_…``. The request acts as the token's user, narrowed to its scope.

    A view may ask for more to be read in the token's statement (``token_columns``: attribute name →
    a function of the token table's quoted name giving a scalar SQL expression), which saves that
    view a round trip; on PostgreSQL each is set on the token it returns."""

    token_columns: dict = {}

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header; send 'Bearer <token>'.")
        raw_key = parts[1].decode("latin-1")
        if not raw_key.startswith(TOKEN_PREFIX):
            raise AuthenticationFailed("Invalid API token.")
        token = find_token(hash_token_key(raw_key), columns=self.token_columns)
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


def find_token(key_hash: str, *, columns: dict | None = None) -> ApiToken | None:
    """The token whose key hashes to ``key_hash``, with its user; on PostgreSQL with its scope and
    the ``columns`` asked for too (``TokenLookup``). Usability is the caller's to check."""
    using = router.db_for_read(ApiToken)
    if connections[using].vendor != "postgresql":
        return (
            ApiToken.objects.using(using).select_related("user").filter(key_hash=key_hash).first()
        )
    key = (using, tuple(columns.items()) if columns else ())
    lookup = _LOOKUPS.get(key)
    if lookup is None:
        lookup = _LOOKUPS[key] = TokenLookup(using, columns)
    return lookup.find(key_hash)


class TokenLookup:
    """The token, its user, the arrays its scope is read from (``studio.scoping.scope_arrays``) and
    the columns a view asked for, in one statement written once per database, set of columns and
    process, read into instances with ``Model.from_db``, each column through the converters the
    ORM would apply. Every API request runs it: built and compiled by the ORM it cost six times the
    CPU of running it."""

    def __init__(self, using: str, columns: dict | None = None):
        connection = connections[using]
        quote = connection.ops.quote_name
        user_field = ApiToken._meta.get_field("user")
        self.using, self.user_model = using, user_field.related_model
        self.token_fields = ApiToken._meta.concrete_fields
        self.user_fields = self.user_model._meta.concrete_fields
        self.token_names = [f.attname for f in self.token_fields]
        self.user_names = [f.attname for f in self.user_fields]
        token = quote(ApiToken._meta.db_table)
        user = quote(self.user_model._meta.db_table)
        self.arrays = scope_arrays(token, using)
        self.arrays.update({name: sql(token) for name, sql in (columns or {}).items()})
        columns = [f"{token}.{quote(f.column)}" for f in self.token_fields]
        columns += [f"{user}.{quote(f.column)}" for f in self.user_fields]
        columns += self.arrays.values()
        user_pk = quote(self.user_model._meta.pk.column)
        self.sql = (  # names from the models' metadata, quoted; the hash is a parameter
            f"SELECT {', '.join(columns)} FROM {token} "  # noqa: S608
            f"INNER JOIN {user} ON {user}.{user_pk} = {token}.{quote(user_field.column)} "
            f"WHERE {token}.{quote(ApiToken._meta.get_field('key_hash').column)} = %s"
        )
        self.converters = []  # (column index, column, its converters) where it has any
        for index, field in enumerate([*self.token_fields, *self.user_fields]):
            col = field.get_col(field.model._meta.db_table)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if converters:
                self.converters.append((index, col, converters))

    def find(self, key_hash: str) -> ApiToken | None:
        connection = connections[self.using]
        with statement_cursor(connection) as cursor:
            cursor.execute(self.sql, [key_hash])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, col, converters in self.converters:
            for convert in converters:
                values[index] = convert(values[index], col, connection)
        split = len(self.token_fields)
        end = split + len(self.user_fields)
        token = ApiToken.from_db(self.using, self.token_names, values[:split])
        token.user = self.user_model.from_db(self.using, self.user_names, values[split:end])
        for name, value in zip(self.arrays, values[end:], strict=True):
            setattr(token, name, value)
        return token


_LOOKUPS: dict[tuple, TokenLookup] = {}
