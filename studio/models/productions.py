from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from studio.choices import Role
from studio.scoping import ProductionScopedQuerySet, ScopedQuerySet

production_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{1,31}$",
    "Use 2 to 32 capital letters, digits, '-' or '_', starting with a letter or digit.",
)


class Production(models.Model):
    """One show (a film, a series, a season): the unit of permissions, adapters and reports."""

    code = models.CharField(max_length=32, unique=True, validators=[production_code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Membership(models.Model):
    """A user's role on one production; a user has at most one role per production."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    production = models.ForeignKey(Production, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["production__code", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "production"], name="membership_one_role"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} on {self.production.code}"
