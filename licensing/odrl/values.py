"""Our own profile's values in a policy: text, hashes, the license's instants; the action names."""

from __future__ import annotations

import datetime as dt
import re

from django.apps import apps

from licensing.choices import RightsAction
from licensing.odrl.terms import XSD_DATE_TIME, literal, parse_date_time, refuse, within_range

SHA256 = re.compile(r"[0-9a-f]{64}")
# Actions with an ODRL term use it; the others are our profile's (clearcut:ai_edit, …).
TO_ODRL = {a: f"clearcut:{a}" for a in RightsAction.values} | {
    RightsAction.VIEW: "display",
    RightsAction.DISTRIBUTE: "distribute",
    RightsAction.EDIT: "modify",
    RightsAction.DERIVE: "derive",
}
FROM_ODRL = {term: action for action, term in TO_ODRL.items()}


def max_length(model: str, field: str) -> int:
    return apps.get_model("licensing", model)._meta.get_field(field).max_length


def text(path, value, *, limit: int, required: bool = False) -> str:
    """A one-line string the model can hold (never ``str()`` of a list or an object, never a NUL
    or a control character)."""
    if value is None or value == "":
        if required:
            raise refuse(path, "This value is required.")
        return ""
    if not isinstance(value, str):
        raise refuse(path, "Expected a string.")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise refuse(path, "Control characters (such as NUL or line breaks) are not allowed here.")
    if len(value) > limit:
        raise refuse(path, f"At most {limit} characters (this one has {len(value)}).")
    return value.strip()


def sha256(path, value) -> str:
    if not isinstance(value, str) or not SHA256.fullmatch(value):
        raise refuse(path, "Expected a SHA-256: 64 lowercase hexadecimal characters.")
    return value


def instant(path, value, prefixes) -> dt.datetime | None:
    """One of the license's instants: an xsd:dateTime with its offset (a string or typed)."""
    if value in (None, ""):
        return None
    if isinstance(value, list):
        raise refuse(path, "Expected one date-time, not a list.")
    lexical, datatype = literal(value, path, prefixes)
    if datatype not in (None, XSD_DATE_TIME):
        raise refuse(path, f"Expected an xsd:dateTime, not {datatype}.")
    try:
        moment, has_offset = parse_date_time(lexical)
    except (ValueError, OverflowError):
        raise refuse(path, f"{lexical!r} is not an ISO 8601 date-time.") from None
    if not has_offset:
        raise refuse(path, "Date-times need a timezone offset.")
    if not within_range(moment):
        raise refuse(path, f"{lexical!r} is outside the years 0001 to 9999.")
    return moment
