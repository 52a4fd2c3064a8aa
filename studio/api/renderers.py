"""JSON-LD responses: linked-data endpoints answer ``Accept: application/ld+json`` as such."""

from rest_framework.renderers import JSONRenderer


class JsonLdRenderer(JSONRenderer):
    """JSON-LD (the document carries its own ``@context``); errors stay problem+json."""

    media_type = "application/ld+json"
    format = "jsonld"


# For endpoints whose JSON is JSON-LD: it is the default; plain JSON for clients that ask for it.
LINKED_DATA_RENDERERS = [JsonLdRenderer, JSONRenderer]
