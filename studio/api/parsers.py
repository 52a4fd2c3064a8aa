"""JSON bodies, bounded: size before parsing (413), then nesting depth, numbers and text after (400).

A body is read into memory, so its size is capped first. Once parsed, one iterative walk refuses
what no field of ours can hold and what would reach the database, a recursive serializer or the
answer's own encoding as a 500: nesting deeper than ``MAX_JSON_DEPTH``, integers outside signed
64 bits, non-finite numbers (``1e400``, ``NaN``, ``Infinity``) and text that is not Unicode (a
lone surrogate, ``"\\ud800"``, which only an escape can write), each named by its path in the body.
"""

import json
import math
import re

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from studio.exceptions import PayloadTooLarge

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


# Where a body escapes a UTF-16 surrogate, a parsed string may hold a lone one (a pair parses to
# its one character); a match that is not one (an escaped backslash) costs one walk. A body in a
# charset that can write one directly (UTF-7) is found by encoding the text whole.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _nested_too_deep() -> ParseError:
    return ParseError(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")


def _is_unicode(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate: UTF-8 has no way to write it
        return False
    return True


def check_json_value(data, *, texts: bool = True) -> None:
    """Refuse what the body may not hold (see the module docstring); paths use dots. ``texts``:
    whether strings may hold lone surrogates (the parser knows when none can)."""
    if not texts and _holds(data):
        return
    stack = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _nested_too_deep()
            if isinstance(value, dict):
                if not all(_is_unicode(key) for key in value):
                    _refuse(path, "A key here is text that is not valid Unicode.")
                items = value.items()
            else:
                items = enumerate(value)
            stack.extend((item, (*path, str(key)), depth + 1) for key, item in items)
        elif isinstance(value, str):
            if not _is_unicode(value):
                _refuse(path, "Text that is not valid Unicode is not allowed.")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            _refuse(path, "This number is too large.")
        elif isinstance(value, float) and not math.isfinite(value):
            _refuse(path, "Give a finite number.")


def _refuse(path: tuple[str, ...], message: str):
    raise ValidationError({".".join(path) or "body": [message]})


def _holds(data) -> bool:
    """Whether the body holds only what it may: one pass over what ``json.loads`` makes (dicts,
    lists, str, int, float, bool, None), keeping no paths; the path of a refusal is looked for
    only once there is one."""
    if type(data) is int:
        return INT64_MIN <= data <= INT64_MAX
    if type(data) is float:
        return math.isfinite(data)
    if type(data) is not dict and type(data) is not list:
        return True
    stack = [(data, 1)]
    while stack:
        container, depth = stack.pop()
        for value in container.values() if type(container) is dict else container:
            kind = type(value)
            if kind is dict or kind is list:
                if depth >= MAX_JSON_DEPTH:
                    return False
                stack.append((value, depth + 1))
            elif kind is int:
                if not INT64_MIN <= value <= INT64_MAX:
                    return False
            elif kind is float and not math.isfinite(value):
                return False
    return True


class BoundedJSONParser(JSONParser):
    """JSON bodies with a size cap (413), a depth limit and numbers our fields can hold (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"The JSON body is larger than the limit of {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = body.decode(encoding)
            # Constants (NaN, Infinity) parse to floats so the walk can name where they stand.
            data = json.loads(text, parse_constant=float)
        except RecursionError as exc:
            raise _nested_too_deep() from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        surrogates = _SURROGATE_ESCAPE.search(text) is not None or not _is_unicode(text)
        check_json_value(data, texts=surrogates)
        return data
