"""Domain errors that services raise and the API turns into problem+json responses."""


class Conflict(Exception):
    """The request is well formed but clashes with the current state (HTTP 409)."""


class UnavailableForLegalReasons(Exception):
    """The thing exists but legal has pulled it (HTTP 451)."""


class PayloadTooLarge(Exception):
    """A body or file is larger than the configured maximum (HTTP 413)."""
