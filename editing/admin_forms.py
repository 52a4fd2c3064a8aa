"""The admin's edit request form: fields that follow the operation, a mask drawn on the frame."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError

from assets.models import Asset
from editing.models import Adapter
from editing.operations import OPERATIONS
from licensing.choices import Media
from studio.choices import ScopeAction

MASK_DRAWN, MASK_ASSET = "drawn", "asset"


def param_field_name(operation: str, name: str) -> str:
    return f"p_{operation}_{name}"


def _param_field(operation: str, value) -> forms.Field:
    attrs = {"data-operation": operation, "class": "vIntegerField"}
    if isinstance(value, int) and not isinstance(value, bool):
        return forms.IntegerField(required=False, initial=value, widget=forms.NumberInput(attrs))
    attrs["step"] = "any"
    return forms.FloatField(required=False, initial=value, widget=forms.NumberInput(attrs))


def operation_needs() -> dict[str, dict]:
    """What each operation asks of the form; the page's script shows only those fields."""
    return {
        name: {
            "label": op.label,
            "mask": op.needs_mask,
            "prompt": op.needs_prompt or op.task is not None,
            "prompt_required": op.needs_prompt,
            "model_task": op.task,
            "rights_action": op.rights_action,
            "params": [param_field_name(name, p) for p in op.defaults()],
        }
        for name, op in OPERATIONS.items()
    }


def clean_polygons(raw: str, asset: Asset | None) -> list:
    """The drawn polygons, in the frame's pixels: each at least three points, all inside the frame."""
    if not raw:
        return []
    try:
        polygons = json.loads(raw)
    except ValueError:
        raise ValidationError(
            "The drawn mask could not be read; clear it and draw again."
        ) from None
    if not isinstance(polygons, list):
        raise ValidationError("The drawn mask could not be read; clear it and draw again.")
    width, height = (asset.width or 0, asset.height or 0) if asset else (0, 0)
    for number, polygon in enumerate(polygons, start=1):
        if not isinstance(polygon, list) or len(polygon) < 3:
            raise ValidationError(
                f"Shape {number} has fewer than three points: close a polygon after three clicks "
                "or more."
            )
        for point in polygon:
            if not (
                isinstance(point, list)
                and len(point) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            ):
                raise ValidationError(f"Shape {number} has a point that is not [x, y].")
            x, y = point
            if asset and not (0 <= x <= width and 0 <= y <= height):
                raise ValidationError(
                    f"Shape {number} has a point ({x:g}, {y:g}) outside the {width}×{height} frame."
                )
    return polygons


class EditRequestForm(forms.Form):
    operation = forms.ChoiceField(
        choices=[(name, op.label) for name, op in sorted(OPERATIONS.items())]
    )
    input = forms.ModelChoiceField(queryset=Asset.objects.none(), label="Clip or still")
    mask_source = forms.ChoiceField(
        choices=[(MASK_DRAWN, "Draw on the frame"), (MASK_ASSET, "Use a mask image")],
        initial=MASK_DRAWN,
        widget=forms.RadioSelect,
        label="Mask",
    )
    mask_polygons = forms.CharField(required=False, widget=forms.HiddenInput)
    mask = forms.ModelChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        label="Mask image",
        help_text="A still the size of the input, where white marks the region.",
    )
    prompt = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    frame_start = forms.IntegerField(required=False, min_value=0, label="First frame")
    frame_end = forms.IntegerField(
        required=False,
        min_value=1,
        label="End frame",
        help_text="exclusive: the frame after the last",
    )
    adapter = forms.ModelChoiceField(queryset=Adapter.objects.none(), required=False)
    territory = forms.CharField(max_length=2, initial="US", help_text="one country, ISO 3166 code")
    media = forms.ChoiceField(choices=Media.choices, initial=Media.SVOD)
    language = forms.CharField(max_length=8, required=False)
    at = forms.DateTimeField(
        required=False,
        label="Used at",
        help_text="when the output will be used (ISO 8601, e.g. 2027-03-01T20:00:00-08:00); "
        "empty: now",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        assets = Asset.objects.restrict(user, ScopeAction.CHANGE).select_related("production")
        self.fields["input"].queryset = assets.filter(kind__in=["video", "image"])
        self.fields["mask"].queryset = assets.filter(kind="image")
        self.fields["adapter"].queryset = Adapter.objects.restrict(user).filter(status="active")
        for name, op in sorted(OPERATIONS.items()):
            for param, value in op.defaults().items():
                field = _param_field(name, value)
                field.label = param.replace("_", " ").capitalize()
                self.fields[param_field_name(name, param)] = field

    def param_fields(self) -> list[tuple[str, forms.BoundField]]:
        """(operation, field) for every operation's parameters; the page shows the chosen one's."""
        return [
            (name, self[param_field_name(name, param)])
            for name, op in sorted(OPERATIONS.items())
            for param in op.defaults()
        ]

    def clean(self):
        data = super().clean()
        asset = data.get("input")
        operation = OPERATIONS.get(data.get("operation", ""))
        if operation is None:
            return data
        drawn = data.get("mask_source") == MASK_DRAWN
        try:
            polygons = clean_polygons(data.get("mask_polygons", ""), asset) if drawn else []
        except ValidationError as exc:
            self.add_error("mask_polygons", exc)
            polygons = []
        data["mask_polygons"] = polygons if operation.needs_mask else []
        data["mask"] = data.get("mask") if operation.needs_mask and not drawn else None
        if operation.needs_mask and drawn and not polygons and "mask_polygons" not in self.errors:
            self.add_error(
                "mask_polygons",
                "The drawn mask is empty: draw the region on the frame (or pick a mask image).",
            )
        if asset is not None and asset.kind != "video":
            data["frame_start"] = data["frame_end"] = None
        return data

    def parameters(self) -> dict:
        """The chosen operation's parameters as the service takes them, frame range included."""
        data = self.cleaned_data
        operation = data["operation"]
        params = {
            name: data[param_field_name(operation, name)]
            for name in OPERATIONS[operation].defaults()
            if data.get(param_field_name(operation, name)) is not None
        }
        params |= {k: data[k] for k in ("frame_start", "frame_end") if data.get(k) is not None}
        return params

    def adapters(self) -> list:
        operation = OPERATIONS[self.cleaned_data["operation"]]
        adapter = self.cleaned_data.get("adapter")
        return [(adapter, 1.0)] if adapter and operation.task else []

    def add_service_error(self, exc: ValidationError) -> None:
        """A refusal from the service, on the field it is about (or above the form)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        operation = self.cleaned_data.get("operation", "")
        for key, errors in exc.message_dict.items():
            self.add_error(self._field_for(key, operation), errors)

    def _field_for(self, key: str, operation: str) -> str | None:
        head, _, rest = key.partition(".")
        if head == "mask_polygons":
            return "mask_polygons"
        if head == "parameters":
            if rest in ("frame_start", "frame_end"):
                return rest
            name = param_field_name(operation, rest)
            return name if name in self.fields else None
        if head == "inputs":
            return "input"
        if head == "adapters":
            return "adapter"
        return head if head in self.fields and head != "mask_source" else None
