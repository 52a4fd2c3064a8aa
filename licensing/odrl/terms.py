"""The ODRL 2.2 vocabulary we speak, and reading JSON-LD values written in any of its normal forms.

A key or an IRI value may be written as a term of the ODRL context (``permission``), as a compact
IRI (``odrl:permission``) or as the full IRI; value IRIs may also be wrapped (``{"@id": …}``).
Everything here is named canonically: ODRL terms by their term, our profile's by ``clearcut:…``.
Every refusal names the JSON pointer (RFC 6901) into the policy and the term it stopped at.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, unquote

from django.core.exceptions import ValidationError

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
ODRL_CONTEXTS = {ODRL_CONTEXT, "https://www.w3.org/ns/odrl.jsonld"}
ODRL = "http://www.w3.org/ns/odrl/2/"
NS = "https://clearcut.invalid/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROFILE = "https://clearcut.invalid/odrl-profile/1"
CORE_PROFILE = "http://www.w3.org/ns/odrl/2/core"
# The prefixes the ODRL context defines, plus ours.
PREFIXES = {
    "odrl": ODRL,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": XSD,
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "http://schema.org/",
    "cc": "http://creativecommons.org/ns#",
    "clearcut": NS,
}
# ODRL terms we read or refuse by name (the context's term -> its IRI is ODRL + term, except neq).
ODRL_TERMS = {
    "Policy", "Set", "Offer", "Agreement", "Assertion", "Privacy", "Request", "Ticket",
    "Permission", "Prohibition", "Duty", "Constraint", "LogicalConstraint", "Party",
    "PartyCollection", "Asset", "AssetCollection", "permission", "prohibition", "obligation",
    "duty", "remedy", "consequence", "target", "output", "assigner", "assignee", "action",
    "constraint", "refinement", "leftOperand", "operator", "rightOperand",
    "rightOperandReference", "dataType", "unit", "status", "profile", "inheritFrom", "conflict",
    "partOf", "source", "relation", "function", "hasPolicy", "or", "xone", "and", "andSequence",
    "perm", "prohibit", "invalid", "attributedParty", "informedParty", "compensatedParty",
    "trackingParty", "consentingParty", "includedIn", "implies",
}  # fmt: skip
# Terms the ODRL context defines whose values we read: a document may not redefine them.
VALUE_TERMS = {
    "display", "distribute", "modify", "derive", "attribute", "inform", "spatial", "media",
    "language", "dateTime", "eq", "neq", "lt", "lteq", "gt", "gteq", "isAnyOf", "isNoneOf",
}  # fmt: skip
KEYWORD_ALIASES = {"uid": "@id", "type": "@type"}
RESERVED = ODRL_TERMS | VALUE_TERMS | set(KEYWORD_ALIASES)
# The context maps the term neq to odrl:neg (a known erratum); both IRIs mean "not equal".
IRI_ALIASES = {ODRL + "neg": "neq", ODRL + "neq": "neq"}


def pointer(path) -> str:
    """The RFC 6901 JSON pointer of ``path`` (a tuple of keys and indexes) in the policy."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def refuse(path, message: str) -> ValidationError:
    """A 400 for the field at ``path``: the field in dots, the message led by the JSON pointer."""
    field = ".".join(str(p) for p in path) or "@type"
    return ValidationError({field: f"{pointer(path) or '/'}: {message}"})


def expand_iri(value: str, prefixes: dict[str, str]) -> str:
    """A compact IRI (``odrl:use``) expanded with the document's prefixes; others unchanged."""
    prefix, colon, rest = value.partition(":")
    if colon and not rest.startswith("//") and prefix in prefixes:
        return prefixes[prefix] + rest
    return value


def canonical(iri: str) -> str:
    """An ODRL IRI as its term, one of ours as ``clearcut:…``; anything else as given."""
    if iri in IRI_ALIASES:
        return IRI_ALIASES[iri]
    if iri.startswith(ODRL):
        return iri[len(ODRL) :]
    if iri.startswith(NS):
        return "clearcut:" + iri[len(NS) :]
    return iri


def key_name(key: str, prefixes: dict[str, str]) -> str:
    """A JSON key as the canonical name of the property (or keyword) it stands for."""
    if key in KEYWORD_ALIASES:
        return KEYWORD_ALIASES[key]
    if key.startswith("@") or key in ODRL_TERMS:
        return key
    return canonical(expand_iri(key, prefixes))


def vocab_value(value, path, prefixes: dict[str, str], *, what: str) -> str:
    """An IRI-valued term (action, operator, leftOperand, conflict, @type) in any normal form:
    a term, a compact or full IRI, or ``{"@id": …}`` (whose value must be an IRI, not a term)."""
    if isinstance(value, dict):
        if set(value) - {"@id", "uid"} or not isinstance(value.get("@id", value.get("uid")), str):
            raise refuse(path, f"Expected one {what}: a term, an IRI or {{'@id': IRI}}.")
        iri = expand_iri(value.get("@id", value.get("uid")), prefixes)
        if ":" not in iri:
            raise refuse(path, f"{iri!r} is not an IRI; write odrl:{iri} or the full IRI.")
        return canonical(iri)
    if not isinstance(value, str) or not value:
        raise refuse(path, f"Expected one {what} (a string), not {type(value).__name__}.")
    return canonical(expand_iri(value, prefixes))


IRI_CHARS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


def node_iri(value, path, prefixes: dict[str, str], *, what: str) -> str:
    """An absolute IRI naming a node: a string or ``{"@id": …}`` (plain, no other keys)."""
    if isinstance(value, dict) and set(value) <= {"@id", "uid"} and len(value) == 1:
        value = next(iter(value.values()))
    if not isinstance(value, str):
        raise refuse(path, f"Expected the IRI of the {what} (a string).")
    iri = expand_iri(value, prefixes)
    if not IRI_CHARS.fullmatch(iri):
        raise refuse(path, f"{value!r} is not an absolute IRI (the {what}).")
    return iri


def as_list(value) -> list:
    """JSON-LD's many: a single value, an array, or an ``@list``/``@set`` object."""
    if isinstance(value, dict) and len(value) == 1 and ("@list" in value or "@set" in value):
        value = next(iter(value.values()))
    return value if isinstance(value, list) else [value]


IRI_NAME = re.compile(r"(https?://|urn:|mailto:|tag:|did:)[^\s<>\"{}|\\^`]+")


def party_iri(name: str) -> str:
    """A party's identifier: its name when the name is an IRI (a party first met in an imported
    policy is named by its IRI), else a stable URN of the name, percent-encoded."""
    if IRI_NAME.fullmatch(name):
        return name
    return f"urn:clearcut:party:{quote(name, safe='')}"


def party_name(iri: str) -> str:
    """The inverse of ``party_iri``."""
    return (
        unquote(iri.removeprefix("urn:clearcut:party:"))
        if iri.startswith("urn:clearcut:party:")
        else iri
    )


def license_iri(production_code: str, reference: str) -> str:
    return f"urn:clearcut:license:{quote(production_code, safe='')}:{quote(reference, safe='')}"


# --- literals ------------------------------------------------------------------------------------

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?")
DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?"
)
XSD_DATE, XSD_DATE_TIME, XSD_STRING = "xsd:date", "xsd:dateTime", "xsd:string"


def literal(value, path, prefixes: dict[str, str]) -> tuple[str, str | None]:
    """A literal as (lexical form, datatype or None): a plain string or a value object."""
    if isinstance(value, str):
        return value, None
    if not isinstance(value, dict) or "@value" not in value:
        raise refuse(path, "Expected a literal: a string or {'@value': …, '@type': …}.")
    extra = set(value) - {"@value", "@type"}
    if extra:
        raise refuse(path, f"{sorted(extra)[0]!r} on a literal is not supported.")
    if not isinstance(value["@value"], str):
        raise refuse(path, "Expected a string '@value'.")
    datatype = value.get("@type")
    if datatype is not None:
        if not isinstance(datatype, str):
            raise refuse((*path, "@type"), "A literal has one datatype (a string).")
        iri = expand_iri(datatype, prefixes)
        datatype = "xsd:" + iri[len(XSD) :] if iri.startswith(XSD) else iri
    return value["@value"], datatype


def _offset(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise ValueError(text)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def parse_date(text: str) -> tuple[dt.date, dt.tzinfo | None]:
    match = DATE.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day, zone = match.groups()
    return dt.date(int(year), int(month), int(day)), _offset(zone)


def parse_date_time(text: str) -> tuple[dt.datetime, bool]:
    """An xsd:dateTime as an aware datetime (UTC when no offset is written) and whether an offset
    was written. Finer than a microsecond is refused (we could not keep it); 24:00:00 is the next
    day's midnight, as XML Schema says."""
    match = DATE_TIME.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    fraction = fraction or ""
    if len(fraction) > 6 and int(fraction[6:]):
        raise ValueError(text)
    micro = int((fraction[:6]).ljust(6, "0"))
    tz = _offset(zone)
    next_day = hour == "24" and minute == second == "00" and not micro
    moment = dt.datetime(
        int(year),
        int(month),
        int(day),
        0 if next_day else int(hour),
        int(minute),
        int(second),
        micro,
        tzinfo=tz or dt.UTC,
    )
    return moment + dt.timedelta(days=1) if next_day else moment, tz is not None


def date_start(day: dt.date, tz: dt.tzinfo | None) -> dt.datetime:
    """The first instant of a date (UTC when the date has no time zone)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz or dt.UTC)


# The instants we hold: any that UTC and every offset can still write (Python's years 1 to 9999).
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def within_range(*moments: dt.datetime) -> bool:
    return all(EARLIEST <= m <= LATEST for m in moments)
