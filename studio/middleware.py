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
