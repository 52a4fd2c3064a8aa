"""Coloured state labels for admin lists. Every app's admin imports them from here.

The colour maps stay with the admins that know the states; this module only draws them.
"""

from django.utils.html import format_html

GREEN, BLUE, PURPLE, ORANGE, RED, GREY, LIGHT_GREY = (
    "#2e7d32",
    "#1565c0",
    "#6a1b9a",
    "#ef6c00",
    "#c62828",
    "#555",
    "#888",
)


def badge(color: str, label: str):
    return format_html(
        '<span class="badge" style="background:{};color:#fff;padding:1px 6px;border-radius:8px;'
        'white-space:nowrap">{}</span>',
        color,
        label,
    )


def choice_badge(colors: dict[str, str], value: str, label: str):
    """A badge for one value of a choices field; an unmapped value is drawn grey, not an error."""
    return badge(colors.get(value, LIGHT_GREY), label)
