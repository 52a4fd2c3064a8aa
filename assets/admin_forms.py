"""The admin's own forms for footage: the upload (several files, who appears) and one appearance.

They check shape and scope; the services in assets.services write, audit and check the rules.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from assets.admin_media import frame_rate, parse_time, timecode
from assets.choices import AssetKind, AssetOrigin
from assets.models import Appearance, Asset, Person
from studio.choices import ScopeAction
from studio.models import Production

TIME_HELP = "HH:MM:SS:FF, or seconds"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files; every one of them must be a non-empty file."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise ValidationError("Choose at least one file to upload.", code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class PeopleCheckboxes(forms.CheckboxSelectMultiple):
    """Each box names the person's productions, so the page offers only the chosen one's people."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        person = getattr(value, "instance", None)
        if person is not None:
            ids = " ".join(str(p.pk) for p in person.productions.all())
            option["attrs"]["data-productions"] = ids
        return option


class PersonChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.name


class AssetUploadForm(forms.Form):
    production = forms.ModelChoiceField(queryset=Production.objects.none())
    origin = forms.ChoiceField(choices=AssetOrigin.choices, initial=AssetOrigin.DAILIES)
    people = PersonChoices(
        queryset=Person.objects.none(),
        required=False,
        widget=PeopleCheckboxes,
        label="Who appears",
        help_text="Recorded as appearing in the whole of each file; narrow it on the asset's page.",
    )
    file = MultipleFileField(label="Files")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        productions = Production.objects.restrict(user, ScopeAction.CHANGE)
        self.fields["production"].queryset = productions
        if not self.is_bound and len(choices := list(productions[:2])) == 1:
            self.fields["production"].initial = choices[0].pk
        self.fields["people"].queryset = Person.objects.restrict(
            user, ScopeAction.CHANGE
        ).prefetch_related("productions")

    def clean(self):
        data = super().clean()
        production, people = data.get("production"), data.get("people") or []
        if production is not None:
            elsewhere = [p.name for p in people if production not in p.productions.all()]
            if elsewhere:
                self.add_error(
                    "people",
                    f"Not on production {production.code}: {', '.join(elsewhere)}. "
                    "Add them to the production first.",
                )
        return data


class AppearanceForm(forms.Form):
    """Who is in the shot, and when: times as timecode at the clip's rate, or as seconds."""

    person = forms.ModelChoiceField(queryset=Person.objects.none())
    start = forms.CharField(required=False, help_text=TIME_HELP)
    end = forms.CharField(required=False, help_text=TIME_HELP)
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, asset: Asset, **kwargs):
        super().__init__(*args, **kwargs)
        self.asset, self.rate = asset, frame_rate(asset)
        self.fields["person"].queryset = Person.objects.filter(productions=asset.production_id)
        # One row of the people table: a form cannot wrap a table row, so its fields name it.
        for field in self.fields.values():
            field.widget.attrs["form"] = self.html_id

    @property
    def html_id(self) -> str:
        return f"ap-{self.prefix}"

    @classmethod
    def for_appearance(cls, appearance: Appearance) -> AppearanceForm:
        rate = frame_rate(appearance.asset)
        return cls(
            asset=appearance.asset,
            prefix=f"a{appearance.pk}",
            initial={
                "person": appearance.person_id,
                "start": timecode(appearance.start_seconds, rate),
                "end": timecode(appearance.end_seconds, rate),
                "note": appearance.note,
            },
        )

    def _seconds(self, name: str) -> float | None:
        try:
            return parse_time(self.cleaned_data.get(name, ""), self.rate)
        except ValueError:
            raise ValidationError(
                f"Write the {name} as HH:MM:SS:FF or as seconds (e.g. 12.5).", code="invalid"
            ) from None

    def clean_start(self):
        return self._seconds("start")

    def clean_end(self):
        return self._seconds("end")

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.asset.kind != AssetKind.VIDEO and (start is not None or end is not None):
            raise ValidationError("A still has no time range: leave start and end empty.")
        duration = self.asset.duration_seconds
        if start is not None and duration is not None and start >= duration:
            self.add_error("start", f"The clip is only {timecode(duration, self.rate)} long.")
        if start is not None and end is not None and end <= start:
            self.add_error("end", "The end comes after the start.")
        return data

    def ranges(self) -> dict:
        """The appearance's fields for the services: seconds, and frames where the rate is known."""
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        frames = {"start_frame": None, "end_frame": None}
        if self.rate is not None:
            frames = {
                "start_frame": round(start * self.rate) if start is not None else None,
                "end_frame": round(end * self.rate) if end is not None else None,
            }
        return {
            "start_seconds": start,
            "end_seconds": end,
            "note": self.cleaned_data["note"],
        } | frames
