"""What the asset's media page shows, in people's terms: sizes, durations, timecodes, local times,
the asset's parents and children, and the links to the other desks.

Rights and edits live on higher floors; the page reaches them by URL name and through the API
(the clearance dry run), never by importing them.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from urllib.parse import urlencode

from django.apps import apps
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from assets.choices import AssetStatus, C2paState, LineageNode
from assets.lineage import asset_ancestors, asset_descendants
from assets.models import Asset
from studio.admin_badges import BLUE, GREEN, GREY, LIGHT_GREY, ORANGE, RED, choice_badge

BROWSER_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
STATUS_COLORS = {
    AssetStatus.ACTIVE: GREEN,
    AssetStatus.QUARANTINED: ORANGE,
    AssetStatus.TAINTED: RED,
    AssetStatus.WITHDRAWN: GREY,
}
C2PA_COLORS = {
    C2paState.TRUSTED: GREEN,
    C2paState.VALID: BLUE,
    C2paState.INVALID: RED,
    C2paState.INGREDIENT_FAILED: ORANGE,
    C2paState.REMOTE: GREY,
    C2paState.NONE: LIGHT_GREY,
}


def status_badge(asset: Asset):
    return choice_badge(STATUS_COLORS, asset.status, asset.get_status_display())


# Short enough for a list row; the full state is the badge's tooltip.
C2PA_SHORT = {
    C2paState.TRUSTED: "C2PA trusted",
    C2paState.VALID: "C2PA valid",
    C2paState.INVALID: "C2PA invalid",
    C2paState.INGREDIENT_FAILED: "C2PA ingredient failed",
    C2paState.REMOTE: "C2PA remote",
    C2paState.NONE: "no C2PA",
}


def credentials_badge(asset: Asset):
    label = C2PA_SHORT.get(asset.c2pa_state, asset.c2pa_state)
    return format_html(
        '<span title="Content Credentials: {}">{}</span>',
        asset.get_c2pa_state_display(),
        choice_badge(C2PA_COLORS, asset.c2pa_state, label),
    )


_TIMECODE = re.compile(r"^(\d+):(\d{1,2}):(\d{1,2})(?:[:;](\d{1,3})|(\.\d+))?$")


def frame_rate(asset: Asset) -> Fraction | None:
    """The clip's exact rate ("24000/1001" → Fraction), or None for stills and unknown rates."""
    try:
        rate = Fraction(asset.fps) if asset.fps else None
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate and rate > 0 else None


def _nominal(rate: Fraction) -> int:
    """Frames counted per timecode second (non-drop): 24 for 23.976, 30 for 29.97."""
    return max(1, round(rate))


def timecode(seconds: float | None, rate: Fraction | None) -> str:
    """HH:MM:SS:FF for a clip with a frame rate, HH:MM:SS.mmm otherwise; "" for no time."""
    if seconds is None:
        return ""
    if rate is None:
        whole, fraction = divmod(round(seconds * 1000), 1000)
        return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}.{fraction:03d}"
    frame = int(seconds * rate + Fraction(1, 1000))
    per_second = _nominal(rate)
    whole, ff = divmod(frame, per_second)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{ff:02d}"


def parse_time(text: str, rate: Fraction | None) -> float | None:
    """Seconds from "HH:MM:SS:FF" (frames at the clip's rate), "HH:MM:SS(.s)" or plain seconds."""
    text = text.strip()
    if not text:
        return None
    match = _TIMECODE.match(text)
    if match is None:
        seconds = float(text)  # ValueError for anything else: the form says how to write it
        if seconds < 0 or not math.isfinite(seconds):
            raise ValueError(text)
        return seconds
    hours, minutes, secs, frames, fraction = match.groups()
    if int(minutes) > 59 or int(secs) > 59:
        raise ValueError(text)
    whole = int(hours) * 3600 + int(minutes) * 60 + int(secs)
    if frames is None:
        return whole + float(fraction or 0)
    if rate is None or int(frames) >= _nominal(rate):
        raise ValueError(text)  # frames need the clip's rate, and stay below it
    return float((whole * _nominal(rate) + int(frames)) / rate)


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, minutes = whole // 3600, whole // 60 % 60
    return f"{hours}:{minutes:02d}:{whole % 60:02d}" if hours else f"{minutes}:{whole % 60:02d}"


def human_size(size: int | None) -> str:
    return filesizeformat(size) if size is not None else "—"


def local_time(moment: dt.datetime | None, *, short: bool = False):
    """To the second, in UTC on the server; localtime.js rewrites it in the reader's time zone
    (without naming the zone when ``short``, for list cells; it is in the tooltip)."""
    if moment is None:
        return "—"
    utc = moment.astimezone(dt.UTC)
    date, time = utc.strftime("%Y-%m-%d"), utc.strftime("%H:%M:%S")
    return format_html(
        '<time datetime="{}" class="cc-time{}" title="{} {} UTC"><span>{}</span> <span>{} UTC</span></time>',
        utc.isoformat(timespec="seconds"),
        " cc-time-short" if short else "",
        date,
        time,
        date,
        time,
    )


def url_or_none(name: str, *args, query: dict | None = None) -> str | None:
    """A page of another app, by URL name; None where that app is not installed."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


@dataclass(frozen=True)
class Relative:
    asset: Asset
    page_url: str
    thumbnail_url: str | None


def relatives(asset: Asset, *, user) -> tuple[list[Relative], list[Relative]]:
    """The assets this one was made from, and those made from it (one step), that the user sees."""
    parents = [n.id for n in asset_ancestors(asset, max_depth=1) if n.type == LineageNode.ASSET]
    children = [
        n.id for n in asset_descendants([asset], max_depth=1) if n.type == LineageNode.ASSET
    ]
    visible = {a.pk: a for a in Asset.objects.restrict(user).filter(pk__in=[*parents, *children])}

    def row(pk: int) -> Relative:
        found = visible[pk]
        thumb = reverse("v1:asset-thumbnail", args=[pk]) if found.thumbnail_key else None
        return Relative(found, reverse("admin:assets_asset_change", args=[pk]), thumb)

    return (
        [row(pk) for pk in parents if pk in visible],
        [row(pk) for pk in children if pk in visible],
    )


def use_choices() -> dict[str, list[tuple[str, str]]]:
    """The actions and media a use can be asked about: the clearance request's own vocabulary."""
    try:
        clearance = apps.get_model("licensing", "ClearanceRequest")
    except LookupError:
        return {}
    return {
        "actions": list(clearance._meta.get_field("action").choices),
        "media": list(clearance._meta.get_field("media").choices),
    }
