"""JSON bodies, bounded: size before parsing (413), then nesting depth and numbers after (400).

A body is read into memory, so its size is capped first. Once parsed, one iterative walk refuses
what no field of ours can hold and what would reach the database or a recursive serializer as
a 500: nesting deeper than ``MAX_JSON_DEPTH``, integers outside signed 64 bits, and non-finite
numbers (``1e400``, ``NaN``, ``Infinity``), each named by its path in the body.
"""

import json
import math

from django.conf import settings
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser

from studio.exceptions import PayloadTooLarge

MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _nested_too_deep() -> ParseError:
    return ParseError(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")


def check_json_value(data) -> None:
    """Refuse what the body may not hold (see the module docstring); paths use dots."""
    stack = [(data, (), 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise _nested_too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((item, (*path, str(key)), depth + 1) for key, item in items)
        elif isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        elif isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
            raise ValidationError({".".join(path) or "body": ["This number is too large."]})
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValidationError({".".join(path) or "body": ["Give a finite number."]})


class BoundedJSONParser(JSONParser):
    """JSON bodies with a size cap (413), a depth limit and numbers our fields can hold (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"The JSON body is larger than the limit of {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            # Constants (NaN, Infinity) parse to floats so the walk can name where they stand.
            data = json.loads(body.decode(encoding), parse_constant=float)
        except RecursionError as exc:
            raise _nested_too_deep() from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        check_json_value(data)
        return data
