"""An ODRL rule's constraints as one grant's limits, exactly, or a refusal naming where and why.

A rule's constraints are a conjunction (ODRL IM §2.5): limits on one dimension intersect (two
territory lists leave the countries in both), exclusions add up, and date bounds keep the latest
start and the earliest end. Windows are stored as [valid_from, valid_until): an exclusive lower
bound (``gt``) or an inclusive upper one (``lteq``) moves by one microsecond, the finest instant
we hold, so the same instants are allowed; a date stands for its whole day.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

from licensing import territories
from licensing.odrl.terms import (
    XSD,
    XSD_DATE,
    XSD_DATE_TIME,
    XSD_STRING,
    as_list,
    date_start,
    expand_iri,
    key_name,
    literal,
    parse_date,
    parse_date_time,
    refuse,
    vocab_value,
    within_range,
)
from licensing.validation import check_languages, check_media, check_territories

MICROSECOND = dt.timedelta(microseconds=1)
ISO_3166_IRI = re.compile(r"https?://www\.iso\.org/obp/ui/#iso:code:3166:([A-Z]{2})")
SETS = {  # leftOperand -> (the grant's field, operators that include, operators that exclude)
    "spatial": ("territory", {"isAnyOf", "eq"}, {"isNoneOf", "neq"}),
    "media": ("media", {"isAnyOf", "eq"}, set()),
    "language": ("languages", {"isAnyOf", "eq"}, set()),
    "clearcut:production": ("production_codes", {"isAnyOf", "eq"}, set()),
}
CHECKS = {"territory": check_territories, "media": check_media, "languages": check_languages}
LOGICAL = {"or", "xone", "andSequence"}
CONSTRAINT_KEYS = {"@type", "@id", "leftOperand", "operator", "rightOperand", "dataType"}


class Limits:
    """What a rule's constraints add up to, with where each came from (for refusals)."""

    def __init__(self):
        self.includes: dict[str, list[tuple[list[str], tuple]]] = {}
        self.exclude: list[str] = []
        self.start: tuple[dt.datetime, tuple] | None = None
        self.end: tuple[dt.datetime, tuple] | None = None

    def grant_fields(self) -> dict:
        fields = {"territory_exclude": list(dict.fromkeys(self.exclude))}
        for field, found in self.includes.items():
            name = "territory_include" if field == "territory" else field
            fields[name] = _intersection(field, found)
        if self.start and self.end and self.start[0] >= self.end[0]:
            raise refuse(
                self.end[1],
                "Together with the rule's other dateTime constraints, no instant is left.",
            )
        fields["valid_from"] = self.start[0] if self.start else None
        fields["valid_until"] = self.end[0] if self.end else None
        return fields


def _intersection(field: str, found: list[tuple[list[str], tuple]]) -> list[str]:
    values, _ = found[0]
    if field == "territory" and len(found) > 1:
        common = set.intersection(*(set(territories.expand(v)) for v, _ in found))
        values = sorted(common)
    else:
        for other, _ in found[1:]:
            values = [v for v in values if v in other]
    if not values:
        raise refuse(
            found[-1][1],
            "Together with the rule's other constraints on this "
            "operand, no value is left: the rule could never apply.",
        )
    return list(dict.fromkeys(values))


def read_constraints(value, path, prefixes, limits: Limits) -> None:
    if isinstance(value, dict) and len(value) == 1 and {"@list", "@set"} & set(value):
        key = next(iter(value))
        value, path = value[key], (*path, key)
    for index, item in enumerate(as_list(value)):
        at = (*path, index) if isinstance(value, list) else path
        _read_one(item, at, prefixes, limits)


def _read_one(item, path, prefixes, limits: Limits) -> None:
    if not isinstance(item, dict) or set(item) <= {"@id", "uid"}:
        raise refuse(
            path,
            "A constraint is written out as a JSON object (references to "
            "constraints declared elsewhere are not followed).",
        )
    names = {key_name(k, prefixes): k for k in item}
    for name, key in names.items():
        if name in LOGICAL:
            raise refuse(
                (*path, key),
                f"Logical constraints ({name!r}) are not modelled: a "
                "grant's limits all apply together.",
            )
    if "and" in names:
        if len(item) > 1 + ("@type" in names) + ("@id" in names):
            raise refuse(path, "An 'and' constraint holds nothing but its operands.")
        read_constraints(item[names["and"]], (*path, names["and"]), prefixes, limits)
        return
    for name, key in names.items():
        if name not in CONSTRAINT_KEYS:
            raise refuse((*path, key), f"{name!r} on a constraint is not modelled.")
    if (
        names.get("@type")
        and vocab_value(item[names["@type"]], (*path, names["@type"]), prefixes, what="type")
        != "Constraint"
    ):
        raise refuse((*path, names["@type"]), "Expected a Constraint.")
    for needed in ("leftOperand", "operator", "rightOperand"):
        if needed not in names:
            raise refuse((*path, needed), f"A constraint needs a {needed}.")
    _apply(item, names, path, prefixes, limits)


def _apply(item, names, path, prefixes, limits: Limits) -> None:
    operand_at, operator_at = (*path, names["leftOperand"]), (*path, names["operator"])
    right_at = (*path, names["rightOperand"])
    operand = vocab_value(item[names["leftOperand"]], operand_at, prefixes, what="leftOperand")
    operator = vocab_value(item[names["operator"]], operator_at, prefixes, what="operator")
    datatype = None
    if "dataType" in names:
        datatype = _datatype(item[names["dataType"]], (*path, names["dataType"]), prefixes)
    right = item[names["rightOperand"]]
    if operand == "dateTime":
        _apply_date(operator, right, datatype, operator_at, right_at, prefixes, limits)
    elif operand in SETS:
        _apply_set(operand, operator, right, operator_at, right_at, prefixes, limits)
    else:
        raise refuse(
            operand_at,
            f"Constraints on {operand!r} are not modelled; known operands: "
            "spatial, media, language, dateTime, clearcut:production.",
        )


def _datatype(value, path, prefixes) -> str:
    if not isinstance(value, str):
        raise refuse(path, "A dataType is one IRI (a string).")
    iri = expand_iri(value, prefixes)
    return "xsd:" + iri[len(XSD) :] if iri.startswith(XSD) else iri


def _apply_set(operand, operator, right, operator_at, right_at, prefixes, limits) -> None:
    field, including, excluding = SETS[operand]
    if operator not in including | excluding:
        known = ", ".join(sorted(including | excluding))
        raise refuse(operator_at, f"{operator!r} on {operand} is not modelled; use {known}.")
    many = isinstance(right, list) or (isinstance(right, dict) and {"@list", "@set"} & set(right))
    if operator in {"eq", "neq"} and many:
        raise refuse(right_at, f"{operator!r} compares with one value; for several use isAnyOf.")
    values = [
        _code(operand, v, (*right_at, i) if isinstance(right, list) else right_at, prefixes)
        for i, v in enumerate(as_list(right))
    ]
    if not values:
        raise refuse(right_at, "An empty list: give the values, or leave the constraint out.")
    if field in CHECKS:
        try:
            CHECKS[field](field, values)
        except ValidationError as error:
            raise refuse(right_at, " ".join(error.messages)) from None
    if operator in excluding:
        limits.exclude += values
    else:
        limits.includes.setdefault(field, []).append((values, right_at))


def _code(operand, value, path, prefixes) -> str:
    if operand == "spatial":
        iri = value.get("@id") if isinstance(value, dict) and set(value) == {"@id"} else value
        match = ISO_3166_IRI.fullmatch(iri) if isinstance(iri, str) else None
        if match:
            return match.group(1)
    text, datatype = literal(value, path, prefixes)
    if datatype not in (None, XSD_STRING):
        raise refuse(path, f"Expected a plain string, not a literal of type {datatype}.")
    return text


def _apply_date(operator, right, datatype, operator_at, right_at, prefixes, limits) -> None:
    if operator not in {"eq", "lt", "lteq", "gt", "gteq"}:
        raise refuse(
            operator_at, f"{operator!r} on dateTime is not modelled; use eq, lt, lteq, gt or gteq."
        )
    if isinstance(right, list):
        raise refuse(right_at, "A dateTime constraint compares with one date or date-time.")
    text, written_type = literal(right, right_at, prefixes)
    if written_type and datatype and written_type != datatype:
        raise refuse(right_at, f"The literal says {written_type}, the constraint {datatype}.")
    first, after = _day_or_instant(text, written_type or datatype, right_at)
    if operator in {"gteq", "eq"}:
        _raise_start(limits, first, right_at)
    if operator == "gt":
        _raise_start(limits, after, right_at)
    if operator in {"lteq", "eq"}:
        _lower_end(limits, after, right_at)
    if operator == "lt":
        _lower_end(limits, first, right_at)


def _day_or_instant(text: str, datatype, path) -> tuple[dt.datetime, dt.datetime]:
    """The first instant the value names and the first one after it."""
    if datatype not in (None, XSD_DATE, XSD_DATE_TIME):
        raise refuse(path, f"Expected an xsd:date or xsd:dateTime, not {datatype}.")
    kind = datatype or (XSD_DATE_TIME if "T" in text else XSD_DATE)
    try:
        if kind == XSD_DATE:
            day, tz = parse_date(text)
            start = date_start(day, tz)
            if not within_range(start, start + dt.timedelta(days=1)):
                raise OverflowError(text)
            return start, start + dt.timedelta(days=1)
        moment, _ = parse_date_time(text)
    except (ValueError, OverflowError):
        raise refuse(path, f"{text!r} is not a valid {kind} (to the microsecond).") from None
    if not within_range(moment):
        raise refuse(path, f"{text!r} is outside the years 0001 to 9999.")
    return moment, moment + MICROSECOND


def _raise_start(limits: Limits, moment: dt.datetime, path) -> None:
    if limits.start is None or moment > limits.start[0]:
        limits.start = (moment, path)


def _lower_end(limits: Limits, moment: dt.datetime, path) -> None:
    if limits.end is None or moment < limits.end[0]:
        limits.end = (moment, path)
