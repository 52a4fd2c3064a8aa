from django.db import models
from django.db.models import F, Q

from assets.choices import (
    AssetKind,
    AssetOrigin,
    AssetStatus,
    C2paState,
    LineageActivity,
    LineageNode,
    PersonKind,
)
from studio.choices import ScopeAction
from studio.scoping import ScopedQuerySet, allowed_production_ids


class AssetQuerySet(ScopedQuerySet):
    def usable(self):
        return self.filter(status=AssetStatus.ACTIVE)


class PersonQuerySet(ScopedQuerySet):
    def restrict(self, principal, action=ScopeAction.VIEW):
        """A person is visible where they are on one of the principal's productions (no duplicates)."""
        ids = allowed_production_ids(principal, action)
        if ids is None:
            return self
        links = Person.productions.through.objects.filter(production_id__in=ids)
        return self.filter(pk__in=links.values("person_id"))


class AppearanceQuerySet(ScopedQuerySet):
    scope_field = "asset__production"


class Asset(models.Model):
    """One immutable piece of content (a clip, a still, a sound, a document) in one production.

    The bytes are addressed by their SHA-256 and never change; the same bytes ingested twice into a
    production are one asset. Only the status and the derived files (thumbnail, proxy) change later.
    """

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="assets"
    )
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=AssetKind.choices)
    mime_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    storage_key = models.CharField(max_length=300)
    original_filename = models.CharField(max_length=255)
    origin = models.CharField(max_length=20, choices=AssetOrigin.choices)
    status = models.CharField(
        max_length=16, choices=AssetStatus.choices, default=AssetStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=500, blank=True)

    duration_seconds = models.FloatField(null=True, blank=True)
    fps = models.CharField(max_length=20, blank=True, help_text="exact rate, e.g. 24000/1001")
    frame_count = models.IntegerField(null=True, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    codec = models.CharField(max_length=50, blank=True)
    audio_codec = models.CharField(max_length=50, blank=True)
    audio_channels = models.IntegerField(null=True, blank=True)
    audio_sample_rate = models.IntegerField(null=True, blank=True)
    technical = models.JSONField(default=dict, blank=True)

    c2pa_state = models.CharField(max_length=20, choices=C2paState.choices, default=C2paState.NONE)
    c2pa_active_manifest = models.CharField(max_length=200, blank=True)
    c2pa_manifest = models.JSONField(null=True, blank=True)
    c2pa_failure_codes = models.JSONField(default=list, blank=True)
    c2pa_sidecar_key = models.CharField(
        max_length=300,
        blank=True,
        help_text="the .c2pa manifest store, for formats that cannot embed one",
    )

    thumbnail_key = models.CharField(max_length=300, blank=True)
    proxy_key = models.CharField(max_length=300, blank=True)
    ingested_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["production", "sha256"], name="asset_unique_content"),
            models.CheckConstraint(condition=Q(size__gt=0), name="asset_size_positive"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="asset_sha256_hex"
            ),
        ]
        indexes = [models.Index(fields=["sha256"], name="asset_sha256_idx")]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.sha256[:12]})"


class Person(models.Model):
    """Someone whose likeness or voice can be in footage: talent or crew, on one or more productions.

    A minor is represented by a guardian, a deceased person by their estate's representative.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=PersonKind.choices, default=PersonKind.TALENT)
    productions = models.ManyToManyField("studio.Production", related_name="people")
    email = models.EmailField(blank=True)
    is_minor = models.BooleanField(default=False)
    guardian_name = models.CharField(max_length=200, blank=True)
    is_deceased = models.BooleanField(default=False)
    representative_name = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(is_minor=False) | ~Q(guardian_name=""),
                name="person_minor_has_guardian",
                violation_error_message="A minor needs a guardian: give guardian_name.",
            ),
            models.CheckConstraint(
                condition=Q(is_deceased=False) | ~Q(representative_name=""),
                name="person_deceased_has_representative",
                violation_error_message="A deceased person needs a representative: give representative_name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Appearance(models.Model):
    """A person is seen or heard in an asset, optionally only within a time or frame range."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appearances")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="appearances")
    start_seconds = models.FloatField(null=True, blank=True)
    end_seconds = models.FloatField(null=True, blank=True)
    start_frame = models.IntegerField(null=True, blank=True)
    end_frame = models.IntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppearanceQuerySet.as_manager()

    class Meta:
        ordering = ["asset_id", "start_seconds", "start_frame", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_seconds__isnull=True)
                | Q(end_seconds__isnull=True)
                | Q(start_seconds__lt=F("end_seconds")),
                name="appearance_seconds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(start_frame__isnull=True)
                | Q(end_frame__isnull=True)
                | Q(start_frame__lt=F("end_frame")),
                name="appearance_frames_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(start_seconds__isnull=True) | Q(start_seconds__gte=0))
                & (Q(start_frame__isnull=True) | Q(start_frame__gte=0)),
                name="appearance_starts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.asset}"

    @property
    def scope_production_id(self) -> int:
        return self.asset.production_id


class Derivation(models.Model):
    """One lineage edge: ``output`` was made from ``input`` by an activity (an edit, a training).

    Ends are typed references (an asset, a model version, an adapter), so the graph spans the
    footage and the models trained on it; the provenance graph is the set of these rows.
    """

    production = models.ForeignKey(
        "studio.Production", on_delete=models.PROTECT, related_name="derivations"
    )
    output_type = models.CharField(max_length=16, choices=LineageNode.choices)
    output_id = models.BigIntegerField()
    input_type = models.CharField(max_length=16, choices=LineageNode.choices)
    input_id = models.BigIntegerField()
    activity_type = models.CharField(max_length=16, choices=LineageActivity.choices)
    activity_id = models.BigIntegerField(null=True, blank=True)
    role = models.CharField(max_length=40, blank=True, help_text="parentOf, componentOf, mask, …")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "output_type",
                    "output_id",
                    "input_type",
                    "input_id",
                    "activity_type",
                    "activity_id",
                ],
                name="derivation_unique_edge",
            ),
            models.UniqueConstraint(
                fields=["output_type", "output_id", "input_type", "input_id", "activity_type"],
                condition=Q(activity_id__isnull=True),
                name="derivation_unique_edge_no_activity",
            ),
            models.CheckConstraint(
                condition=~(Q(output_type=F("input_type")) & Q(output_id=F("input_id"))),
                name="derivation_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["input_type", "input_id"], name="derivation_input_idx"),
            models.Index(fields=["output_type", "output_id"], name="derivation_output_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.output_type}:{self.output_id} ← {self.input_type}:{self.input_id}"


class ListChange(models.Model):
    """One committed statement's change to what a production's asset list shows: its assets, their
    appearances, its code. Written by database triggers (PostgreSQL), whoever makes the change, and
    folded into ``ListRevision`` by ``assets.list_revisions.compact``.

    Insert-only, so writers never wait on each other: a production's revision is its folded count
    plus its rows here, read in one statement, and it grows by one with every commit that changes
    the list, whichever order concurrent writers commit in."""

    id = models.BigAutoField(primary_key=True)
    production_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["production_id"], name="asset_listchange_prod_idx")]

    def __str__(self) -> str:
        return f"change {self.pk} to production {self.production_id}'s asset list"


class ListRevision(models.Model):
    """The changes of one production already folded out of ``ListChange``."""

    production_id = models.BigIntegerField(primary_key=True)
    revision = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"production {self.production_id}'s asset list: {self.revision} changes folded"
