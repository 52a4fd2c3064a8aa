"""The API's renderers: JSON (also taking bodies the database wrote), and JSON-LD for linked-data
endpoints that answer ``Accept: application/ld+json`` as such."""

import json

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from studio.api.sql_json import RenderedJson

_DRF_DEFAULT = JSONEncoder().default
# Instants and dataclasses are DRF's to write (or refuse); subclasses of str and int (choices)
# are written as their value, as the standard library's encoder writes them.
_AS_DRF_WRITES = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def rendered(data) -> RenderedJson:
    """``data`` as the body ``ClearcutJSONRenderer`` would write, byte for byte, written by orjson
    at a tenth of the cost: for answers of thousands of objects (a bulk clearance check writes
    about 2 MB). What is not plain JSON data (instants, decimals, lazy text) goes through DRF's own
    encoder; floats are the exception (orjson spells some differently), so the answers this is for
    carry none. Line and paragraph separators are escaped, as DRF does."""
    content = orjson.dumps(data, default=_DRF_DEFAULT, option=_AS_DRF_WRITES)
    if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
        content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return RenderedJson(content)


class ClearcutJSONRenderer(JSONRenderer):
    """DRF's JSON renderer; a body already rendered (``RenderedJson``) is sent as it is, or
    indented for the browsable API."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RenderedJson):
            if not self.get_indent(accepted_media_type, renderer_context or {}):
                return data.content
            data = json.loads(data.content)
        return super().render(data, accepted_media_type, renderer_context)


class JsonLdRenderer(JSONRenderer):
    """JSON-LD (the document carries its own ``@context``); errors stay problem+json."""

    media_type = "application/ld+json"
    format = "jsonld"


# For endpoints whose JSON is JSON-LD: it is the default; plain JSON for clients that ask for it.
LINKED_DATA_RENDERERS = [JsonLdRenderer, JSONRenderer]
