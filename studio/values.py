"""Rules every stored value passes, whatever door it came through (API, admin, import, command):
text the column can hold with no NUL or control characters, lists of strings of bounded length.
A value that breaks one is a ``ValidationError`` naming where it stands (``grants.2.media.0``).
And how a page reads a number a query string or a header hands it (``whole_number``, ``row_id``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

# Tab, line feed and carriage return are text in a paragraph; nothing else below 0x20, nor DEL.
PARAGRAPH_WHITESPACE = frozenset("\t\n\r")
ROW_ID_MAX = 2**63 - 1  # a bigint primary key


def whole_number(text, *, low: int = 0, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``, written in ASCII digits; else None.
    Not ``str.isdigit`` alone: it takes ``²`` and ``١`` (which ``int`` refuses or reads as another
    number) and digits beyond what ``int`` will read (4,300)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        return None
    if len(text) > len(str(high)):
        return None
    number = int(text)
    return number if low <= number <= high else None


def row_id(text) -> int | None:
    """A row's id as a query string or a form hands it; None for anything that cannot be one."""
    return whole_number(text, low=1, high=ROW_ID_MAX)


def _control(value: str, *, multiline: bool) -> bool:
    allowed = PARAGRAPH_WHITESPACE if multiline else frozenset()
    return any((ord(c) < 32 or ord(c) == 127) and c not in allowed for c in value)


def check_text(field: str, value, *, limit: int, multiline: bool = False) -> str:
    """A string of at most ``limit`` characters, free of NUL and control characters (line breaks
    and tabs only where ``multiline``); surrogates (text that is not Unicode) are refused too."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: "Expected a string."})
    if _control(value, multiline=multiline):
        what = "NUL or control characters" if multiline else "control characters or line breaks"
        raise ValidationError({field: f"Text with {what} is not allowed here."})
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValidationError({field: "Text that is not valid Unicode is not allowed here."})
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters (this one has {len(value)})."})
    return value


def check_strings(field: str, values, *, max_items: int, limit: int) -> list[str]:
    """A list of at most ``max_items`` one-line strings of at most ``limit`` characters each."""
    if not isinstance(values, list | tuple):
        raise ValidationError({field: "Expected a list of strings."})
    if len(values) > max_items:
        raise ValidationError({field: f"At most {max_items} values (this list has {len(values)})."})
    for index, value in enumerate(values):
        check_text(f"{field}.{index}", value, limit=limit)
    return list(values)
