from django.db import models
from django.db.models import F, Q

from licensing.choices import ConsentScope
from studio.scoping import ScopedQuerySet, allowed_production_ids


def signature_problems(person, consent) -> list[tuple[str, str]]:
    """Why a consent, as recorded, cannot grant anything for this person: (code, words) pairs.

    A minor's consent needs a guardian's signature; a deceased person's, their representative's."""
    problems = []
    if person.is_minor and not consent.guardian_signature:
        problems.append(
            (
                "minor_without_guardian",
                f"{person.name} is a minor and the consent has no guardian signature",
            )
        )
    if person.is_deceased and not consent.representative_signature:
        problems.append(
            (
                "deceased_without_representative",
                f"{person.name} is deceased and the consent was not given by their representative",
            )
        )
    return problems


class ConsentQuerySet(ScopedQuerySet):
    def restrict(self, principal, action="view"):
        ids = allowed_production_ids(principal, action)
        if ids is None:
            return self
        links = Consent.productions.through.objects.filter(production_id__in=ids)
        return self.filter(pk__in=links.values("consent_id"))


class Consent(models.Model):
    """A person's consent to one kind of digital use of their likeness or voice, on some productions.

    Consent is never deleted: when it is withdrawn a Revocation is recorded and the consent stays,
    for history. A minor's consent is signed by a guardian; a deceased person's by a representative.
    """

    person = models.ForeignKey("assets.Person", on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    productions = models.ManyToManyField("studio.Production", related_name="consents")
    description = models.TextField(
        help_text="a reasonably specific description of the intended use"
    )
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(
        null=True, blank=True, help_text="exclusive; empty for no end"
    )
    evidence = models.ForeignKey(
        "assets.Asset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the signed release",
    )
    compensation_note = models.CharField(max_length=500, blank=True)
    signed_by = models.CharField(
        max_length=200, help_text="who signed: the person, guardian or representative"
    )
    guardian_signature = models.BooleanField(default=False)
    representative_signature = models.BooleanField(default=False)
    signed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["person_id", "scope", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_from__lt=F("valid_until")),
                name="consent_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=ConsentScope.values), name="consent_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_scope_display()}"

    @property
    def problems(self) -> list[dict]:
        """Why this consent cannot grant anything as recorded (empty when it can)."""
        return [
            {"code": code, "message": words}
            for code, words in signature_problems(self.person, self)
        ]

    @property
    def effective(self) -> bool:
        return not self.problems


class Revocation(models.Model):
    """The withdrawal of a consent: when, why and by whom. At most one per consent."""

    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="revocation")
    revoked_at = models.DateTimeField()
    reason = models.TextField()
    recorded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-revoked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.consent} revoked {self.revoked_at:%Y-%m-%d}"
