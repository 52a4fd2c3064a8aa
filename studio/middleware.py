import zoneinfo

from django.utils import timezone

from studio.correlation import clean_correlation_id, correlation_scope

HEADER = "X-Correlation-ID"


class CorrelationIdMiddleware:
    """Gives every request one correlation id (taken from the caller's header when well formed)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        requested = clean_correlation_id(request.headers.get(HEADER))
        with correlation_scope(requested) as correlation_id:
            request.correlation_id = correlation_id
            response = self.get_response(request)
        response[HEADER] = correlation_id
        return response


TIMEZONE_COOKIE = "clearcut_tz"


class UserTimezoneMiddleware:
    """Pages show times in the browser's zone (a cookie set by ``studio/timezone.js``); the server's
    zone when the cookie is absent or names no zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = _zone(request.COOKIES.get(TIMEZONE_COOKIE, ""))
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
