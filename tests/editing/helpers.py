"""Reading what an edit left behind: pixels, frames, lineage edges, the stamped lineage, audit rows."""

from __future__ import annotations

import av
import numpy as np
from PIL import Image, ImageDraw

from assets.models import Asset, Derivation
from assets.services import asset_credentials
from assets.storage import LocalCopy
from studio.models import AuditEvent

PROBLEM = "application/problem+json"
SUBJECT = [[[8, 8], [40, 8], [40, 36], [8, 36]]]  # a box well inside a 64×48 frame


def pixels(asset: Asset) -> np.ndarray:
    with LocalCopy(asset.storage_key) as path, Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def frames(asset: Asset) -> list[np.ndarray]:
    with LocalCopy(asset.storage_key) as path, av.open(str(path)) as container:
        return [np.asarray(frame.to_image(), dtype=np.int16) for frame in container.decode(video=0)]


def region(polygons, size: tuple[int, int]) -> np.ndarray:
    """True inside the polygons, drawn the way a mask is (white fill, outline included)."""
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for polygon in polygons:
        draw.polygon([tuple(p) for p in polygon], fill=255)
    return np.asarray(mask) >= 128


def edges(asset: Asset) -> set[tuple[str, int, str]]:
    """The lineage edges into ``asset``: (input type, input id, role)."""
    return set(
        Derivation.objects.filter(output_type="asset", output_id=asset.pk).values_list(
            "input_type", "input_id", "role"
        )
    )


def stamped_lineage(asset: Asset) -> dict:
    """The com.clearcut.lineage assertion of the asset's active manifest, verified now."""
    reading = asset_credentials(asset=asset)
    manifest = reading.manifest["manifests"][reading.active_manifest]
    [data] = [a["data"] for a in manifest["assertions"] if a["label"] == "com.clearcut.lineage"]
    return data


def stamped_actions(asset: Asset) -> list[dict]:
    """The actions of the asset's active manifest, verified now."""
    reading = asset_credentials(asset=asset)
    manifest = reading.manifest["manifests"][reading.active_manifest]
    [data] = [a["data"] for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2"]
    return data["actions"]


def audit_rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def fields_of(response) -> set[str]:
    return {error["field"] for error in response.json().get("errors", [])}
