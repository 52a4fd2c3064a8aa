import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from studio.scoping import ScopedQuerySet

TOKEN_PREFIX = "cc_"  # noqa: S105  (a public marker, not a secret)


def hash_token_key(raw_key: str) -> str:
    """SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash is safe to store."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def generate_token_key() -> tuple[str, str]:
    """A new raw key and its public prefix (the prefix is shown in lists to tell tokens apart)."""
    prefix = secrets.token_hex(4)
    return f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


class ApiTokenQuerySet(ScopedQuerySet):
    scope_field = "productions"

    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A credential an integration (a MAM, a script) uses to act as ``user`` on some productions.

    Only the SHA-256 of the key is stored; the key itself is shown once, when it is created. A token
    can never do more than its user: its scope is its productions intersected with the user's roles.
    """

    name = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    productions = models.ManyToManyField("studio.Production", related_name="api_tokens")
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(default=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({TOKEN_PREFIX}{self.key_prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired and self.user.is_active
