"""Domain validation of rights vocabularies: territories, media, languages, windows."""

from __future__ import annotations

import pycountry
from django.core.exceptions import ValidationError

from licensing import territories
from licensing.choices import GrantKind, Media, RightsAction
from studio.values import check_strings, check_text

# The longest code a list may hold (group names such as NORTH_AMERICA), and how many it may hold:
# every country and group once, every medium once, a generous number of languages.
CODE_CHARS = 32
MAX_TERRITORIES = 300
MAX_LANGUAGES = 200


def check_territories(field: str, codes) -> None:
    if not isinstance(codes, list | tuple):
        raise ValidationError({field: "A list of ISO 3166-1 alpha-2 codes or group names."})
    check_strings(field, codes, max_items=MAX_TERRITORIES, limit=CODE_CHARS)
    bad = territories.unknown(codes)
    if bad:
        raise ValidationError(
            {
                field: f"Unknown territory code(s): {', '.join(bad)}. Use ISO 3166-1 alpha-2 codes or "
                f"WORLD, {', '.join(sorted(territories.GROUPS))}."
            }
        )


def check_media(field: str, values) -> None:
    check_strings(field, values, max_items=len(Media.values), limit=CODE_CHARS)
    bad = sorted(set(values) - set(Media.values))
    if bad:
        raise ValidationError(
            {field: f"Unknown media: {', '.join(bad)}. Use one of {', '.join(Media.values)}."}
        )


def check_languages(field: str, values) -> None:
    check_strings(field, values, max_items=MAX_LANGUAGES, limit=CODE_CHARS)
    bad = sorted(v for v in values if pycountry.languages.get(alpha_2=v) is None)
    if bad:
        raise ValidationError({field: f"Unknown language code(s): {', '.join(bad)} (ISO 639-1)."})


def check_window(start, end, *, start_field: str, end_field: str) -> None:
    if start is not None and end is not None and end <= start:
        raise ValidationError({end_field: f"The end must be after the start ({start_field})."})


# A notice duty is the text a credit or a legal notice carries, not a contract.
NOTICE_MAX_LENGTH = 5000


def check_grant(data: dict, prefix: str = "") -> None:
    if not data.get("action"):
        raise ValidationError({f"{prefix}action": "A grant needs an action."})
    if data["action"] not in RightsAction.values:
        raise ValidationError(
            {
                f"{prefix}action": f"Unknown action {data['action']!r}; "
                f"use one of {', '.join(RightsAction.values)}."
            }
        )
    if data.get("kind", GrantKind.PERMISSION) not in GrantKind.values:
        raise ValidationError({f"{prefix}kind": "A grant is a permission or a prohibition."})
    check_territories(f"{prefix}territory_include", data.get("territory_include", []))
    check_territories(f"{prefix}territory_exclude", data.get("territory_exclude", []))
    check_media(f"{prefix}media", data.get("media", []))
    check_languages(f"{prefix}languages", data.get("languages", []))
    check_window(
        data.get("valid_from"),
        data.get("valid_until"),
        start_field=f"{prefix}valid_from",
        end_field=f"{prefix}valid_until",
    )
    if data.get("kind") == GrantKind.PROHIBITION:
        for field in ("attribution", "notice"):
            if data.get(field):
                raise ValidationError(
                    {
                        f"{prefix}{field}": "A prohibition carries no duties: duties (attribution, "
                        "notice) belong to permissions."
                    }
                )
    notice = data.get("notice") or ""
    if isinstance(notice, str) and len(notice) > NOTICE_MAX_LENGTH:
        raise ValidationError(
            {f"{prefix}notice": f"A notice is at most {NOTICE_MAX_LENGTH} characters."}
        )
    check_text(f"{prefix}notice", notice, limit=NOTICE_MAX_LENGTH, multiline=True)
    for name, limit in GRANT_TEXT.items():
        check_text(f"{prefix}{name}", data.get(name), limit=limit)


# One-line texts of a grant and the lengths their columns hold.
GRANT_TEXT = {"section": 32, "attribution": 500}
