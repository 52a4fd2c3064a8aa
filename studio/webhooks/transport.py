"""One signed POST with urllib: to the checked address only, no redirects, no proxies, a timeout."""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import partial

from django.conf import settings

USER_AGENT = f"Clearcut-Webhooks/{settings.CLEARCUT_VERSION}"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str = ""


def _connect_to(address: str, host_port: tuple[str, int], *args, **kwargs) -> socket.socket:
    return socket.create_connection((address, host_port[1]), *args, **kwargs)


class _Pinned:
    """Connects to the address that passed the check; TLS still verifies the URL's host name."""

    def __init__(self, host: str, *, address: str, **kwargs):
        super().__init__(host, **kwargs)
        self._create_connection = partial(_connect_to, address)


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    pass


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    pass


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(partial(_PinnedHTTPConnection, address=self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__(context=ssl.create_default_context())
        self.address = address

    def https_open(self, req):
        return self.do_open(
            partial(_PinnedHTTPSConnection, address=self.address), req, context=self._context
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could point anywhere, the private network included: it counts as a failure."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener(address: str) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),
        _NoRedirects(),
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
    )


def _snippet(response) -> str:
    try:
        return response.read(300).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""


def post(url: str, address: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` through ``address``; any 2xx is success, anything else a failure."""
    request = urllib.request.Request(  # noqa: S310  (the scheme was checked: http or https only)
        url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers}
    )
    try:
        with _opener(address).open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Outcome(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as exc:
        detail = _snippet(exc)
        return Outcome(False, exc.code, f"HTTP {exc.code} {exc.reason}: {detail}".rstrip(": "))
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Outcome(False, None, f"{type(exc).__name__}: {reason}")
