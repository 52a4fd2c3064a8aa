"""Masks: a PNG asset or polygons; white is the region the operation works on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from assets.storage import LocalCopy


def polygons_mask(polygons, size: tuple[int, int]) -> Image.Image:
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(
            {"mask_polygons": "Give a list of polygons, each a list of [x, y] points."}
        )
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for index, polygon in enumerate(polygons):
        points = _points(polygon, index)
        draw.polygon(points, fill=255)
    return mask


def _is_point(point) -> bool:
    return (
        isinstance(point, list | tuple)
        and len(point) == 2
        and all(isinstance(v, int | float) for v in point)
    )


def _points(polygon, index: int) -> list[tuple[float, float]]:
    if not (isinstance(polygon, list) and len(polygon) >= 3 and all(_is_point(p) for p in polygon)):
        raise ValidationError(
            {f"mask_polygons.{index}": "A polygon needs at least three [x, y] points."}
        )
    points = [(float(x), float(y)) for x, y in polygon]
    pairs = zip(points, points[1:] + points[:1], strict=True)
    if abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs)) / 2 < 1.0:
        raise ValidationError({f"mask_polygons.{index}": "A polygon must enclose an area."})
    return points


def asset_mask(asset) -> Image.Image:
    if asset.kind != "image":
        raise ValidationError({"mask": "A mask is an image (a PNG where white marks the region)."})
    with LocalCopy(asset.storage_key) as path, Image.open(path) as image:
        return image.convert("L")


def checked_mask(mask: Image.Image, size: tuple[int, int], field: str = "mask") -> Image.Image:
    if mask.size != size:
        raise ValidationError(
            {field: f"The mask is {mask.width}×{mask.height}; the input is {size[0]}×{size[1]}."}
        )
    if mask.getextrema()[1] < 128:
        raise ValidationError({field: "The mask is empty: nothing is marked for the operation."})
    return mask
