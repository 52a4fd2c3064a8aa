"""``rendered``: the bytes DRF's renderer writes for the same data, whatever the data holds."""

import dataclasses
import datetime as dt
import decimal
import uuid
import zoneinfo

import pytest
from django.utils.translation import gettext_lazy

from licensing.choices import RightsAction
from studio.api.parsers import INT64_MAX, INT64_MIN
from studio.api.renderers import ClearcutJSONRenderer, rendered

TEXTS = [
    "",
    'quote " backslash \\ slash / tab \t newline \n',
    "".join(chr(c) for c in range(32)) + "\x7f",
    "line\u2028paragraph\u2029end",
    "Zoë, 映画, \U0001f3ac, \ufeff, \U0010ffff",
    "</script><!--",
]


@pytest.mark.parametrize(
    "data",
    [
        {"texts": TEXTS, "keys": {text: text for text in TEXTS}},
        [INT64_MIN, -1, 0, 1, INT64_MAX, True, False, None, [], {}, [[]], {"a": {}}],
        {"action": RightsAction.AI_EDIT, "codes": [RightsAction.VIEW]},
        {
            "utc": dt.datetime(2027, 3, 1, 7, 30, 0, 123456, tzinfo=dt.UTC),
            "offset": dt.datetime(
                2027, 3, 1, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles")
            ),
            "day": dt.date(2027, 3, 1),
            "time": dt.time(23, 30, 1, 500),
            "span": dt.timedelta(hours=1, microseconds=5),
        },
        {
            "decimal": decimal.Decimal("12.50"),
            "uuid": uuid.UUID(int=7),
            "lazy": gettext_lazy("Yes"),
        },
        {
            "count": 1000,
            "results": [{"allowed": i % 2 == 0, "reasons": TEXTS} for i in range(1000)],
        },
    ],
    ids=["texts", "numbers", "choices", "instants", "others", "a-thousand"],
)
def test_the_same_bytes_as_drf_writes(data):
    assert rendered(data).content == ClearcutJSONRenderer().render(data)


def test_what_drf_cannot_write_is_refused_as_drf_refuses_it():
    @dataclasses.dataclass
    class Point:
        x: int

    with pytest.raises(TypeError):
        ClearcutJSONRenderer().render({"p": Point(1)})
    with pytest.raises(TypeError):
        rendered({"p": Point(1)})
