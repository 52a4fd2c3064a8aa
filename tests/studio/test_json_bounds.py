"""The JSON body's bounds at their edges, through the parser every API request goes through:
nesting depth, 64-bit integers, finite numbers and Unicode text. What is refused names its path;
what fits comes back whole."""

import io
import json

import pytest
from rest_framework.exceptions import ParseError, ValidationError

from studio.api.parsers import INT64_MAX, INT64_MIN, MAX_JSON_DEPTH, BoundedJSONParser


def _parse(text: str):
    return BoundedJSONParser().parse(io.BytesIO(text.encode()))


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def _refused_at(text: str) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        _parse(text)
    return list(refused.value.detail)


@pytest.mark.parametrize("levels", [1, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH])
def test_nesting_up_to_the_limit_passes(levels):
    assert _parse(_nested(levels)) is not None
    assert _parse('{"a": ' + _nested(levels - 1) + "}" if levels > 1 else "{}") is not None


@pytest.mark.parametrize(
    "text", [_nested(MAX_JSON_DEPTH + 1), '{"a": ' + _nested(MAX_JSON_DEPTH) + "}"]
)
def test_nesting_past_the_limit_is_refused(text):
    with pytest.raises(ParseError, match=f"deeper than {MAX_JSON_DEPTH}"):
        _parse(text)


@pytest.mark.parametrize("number", [INT64_MIN, INT64_MAX, 0, -1, 1.5, 1e308])
def test_numbers_our_fields_can_hold_pass(number):
    assert _parse(json.dumps(number)) == number
    body = {"uses": [{"assets": [1, number]}]}
    assert _parse(json.dumps(body)) == body


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (str(INT64_MAX + 1), "body"),
        (f'{{"uses": [{{"assets": [1, {INT64_MIN - 1}]}}]}}', "uses.0.assets.1"),
        ('{"a": 1, "b": {"c": [0.0, NaN]}}', "b.c.1"),
        ('{"seed": -Infinity}', "seed"),
        ('[true, null, "x", [1e400]]', "3.0"),
    ],
)
def test_numbers_out_of_range_are_refused_by_path(text, path):
    assert _refused_at(text) == [path]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('"\\ud800"', "body"),
        ('{"production": "ALPHA", "language": "fr\\udfff"}', "language"),
        ('{"uses": [{"assets": [1]}, {"media": "\\uDE00svod"}]}', "uses.1.media"),
        ('{"uses": [{"\\ud83d": 1}]}', "uses.0"),  # a key: named by where it stands
        ('{"x": ["\\ude00\\ud83d"]}', "x.0"),  # a pair the wrong way round is two lone halves
    ],
)
def test_text_that_is_not_unicode_is_refused_by_path(text, path):
    assert _refused_at(text) == [path]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"name": "\\ud83c\\udfac Maya"}', {"name": "\U0001f3ac Maya"}),  # an escaped pair
        ('{"note": "C:\\\\ud800"}', {"note": "C:\\ud800"}),  # an escaped backslash, then text
        ('{"name": "Zoë, 映画"}', {"name": "Zoë, 映画"}),
        ('{"t": true, "n": null, "s": "1e400"}', {"t": True, "n": None, "s": "1e400"}),
    ],
)
def test_unicode_text_passes_whole(text, value):
    assert _parse(text) == value


def test_a_lone_surrogate_written_directly_in_another_charset_is_refused_too():
    """UTF-7 writes one without an escape."""
    body = b'{"name": "+2AA-"}'
    context = {"encoding": "utf-7"}

    with pytest.raises(ValidationError) as refused:
        BoundedJSONParser().parse(io.BytesIO(body), parser_context=context)

    assert list(refused.value.detail) == ["name"]
