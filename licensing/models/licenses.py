from django.db import models
from django.db.models import F, Q

from licensing.choices import Coverage, GrantKind, LicenseStatus, PartyKind, RightsAction
from studio.scoping import ScopedQuerySet


class Party(models.Model):
    """An organisation or person that licenses rights to, or receives them from, someone else."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(
        max_length=16, choices=PartyKind.choices, default=PartyKind.ORGANISATION
    )
    contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "parties"

    def __str__(self) -> str:
        return self.name


class License(models.Model):
    """A contract by which ``licensor`` grants ``licensee`` rights over some footage.

    What it covers: the assets listed on it, every asset of its production, or every asset of its
    production whose rights holder is the licensor. What it grants or forbids lives in its grants.
    Only an active license within its window grants anything.
    """

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="licenses"
    )
    reference = models.CharField(
        max_length=64, help_text="The contract's reference, unique within its production"
    )
    title = models.CharField(max_length=200)
    licensor = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="licenses_given")
    licensee = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="licenses_taken")
    status = models.CharField(
        max_length=12, choices=LicenseStatus.choices, default=LicenseStatus.DRAFT
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="exclusive; empty for perpetual"
    )
    coverage = models.CharField(max_length=16, choices=Coverage.choices, default=Coverage.LISTED)
    contract_document = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assets = models.ManyToManyField(
        "assets.Asset", through="LicensedAsset", related_name="licenses"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        constraints = [
            # Per production: one production's references say nothing about another's.
            models.UniqueConstraint(
                fields=["production", "reference"], name="license_reference_per_production"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__lt=F("ends_at")),
                name="license_starts_before_it_ends",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LicenseStatus.values), name="license_status_known"
            ),
        ]
        # The gate finds covering licenses by production or by licensor, per coverage kind.
        indexes = [
            models.Index(fields=["production", "coverage"], name="license_production_cov_idx"),
            models.Index(fields=["licensor", "coverage"], name="license_licensor_cov_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class LicensedAsset(models.Model):
    """An asset listed on a license (for licenses that cover listed assets)."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="listed")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["license_id", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["license", "asset"], name="licensed_asset_once")
        ]

    def __str__(self) -> str:
        return f"{self.license.reference} covers asset {self.asset_id}"


class AssetRightsHolder(models.Model):
    """Who holds the rights in an asset (for licenses that cover a rights holder's assets)."""

    asset = models.OneToOneField(
        "assets.Asset", on_delete=models.CASCADE, related_name="rights_holder"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="held_assets")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset_id"]

    def __str__(self) -> str:
        return f"{self.party} holds asset {self.asset_id}"


class GrantQuerySet(ScopedQuerySet):
    scope_field = "license__production"


class Grant(models.Model):
    """One rule of a license, shaped like an ODRL rule: a permission or prohibition of one action.

    Constraints narrow where it applies (an empty list means no limit on that dimension); duties are
    what the licensee must do when relying on it.
    """

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="grants")
    section = models.CharField(
        max_length=32, blank=True, help_text="where the contract says it, e.g. §2"
    )
    kind = models.CharField(max_length=12, choices=GrantKind.choices, default=GrantKind.PERMISSION)
    action = models.CharField(max_length=24, choices=RightsAction.choices)
    territory_include = models.JSONField(default=list, blank=True)
    territory_exclude = models.JSONField(default=list, blank=True)
    media = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True, help_text="inclusive")
    valid_until = models.DateTimeField(null=True, blank=True, help_text="exclusive")
    productions = models.ManyToManyField("studio.Production", blank=True, related_name="+")
    exclusive = models.BooleanField(default=False)
    attribution = models.CharField(max_length=500, blank=True)
    notice = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["license_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lt=F("valid_until")),
                name="grant_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(action__in=RightsAction.values), name="grant_action_known"
            ),
        ]
        indexes = [models.Index(fields=["license", "action"], name="grant_license_action_idx")]

    def __str__(self) -> str:
        where = f" {self.section}" if self.section else ""
        return f"{self.kind} {self.action} in {self.license.reference}{where}"

    @property
    def scope_production_id(self) -> int:
        return self.license.production_id
