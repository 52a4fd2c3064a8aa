import io

from django.conf import settings
from rest_framework.parsers import JSONParser

from studio.exceptions import PayloadTooLarge


class BoundedJSONParser(JSONParser):
    """JSON bodies are read into memory, so their size is capped before parsing (413 above it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise PayloadTooLarge(f"The JSON body is larger than the limit of {limit} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
