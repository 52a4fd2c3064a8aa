"""The API's renderers: JSON (also taking bodies the database wrote), and JSON-LD for linked-data
endpoints that answer ``Accept: application/ld+json`` as such."""

import json

from rest_framework.renderers import JSONRenderer

from studio.api.sql_json import RenderedJson


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
