"""Where a webhook may be sent: public http(s) addresses only, unless an operator allows a host.

A subscriber chooses the URL, so without this check Clearcut could be made to POST to its own
database, the cloud metadata service or anything else on the private network (SSRF). The host is
resolved and every address it resolves to must be public. The check runs when a subscription is
saved and again before each attempt (DNS can change), and the connection is then made to the
address that was checked, so a second, different DNS answer cannot slip in between.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

SCHEMES = {"http": 80, "https": 443}

# The order names the most telling reason first: 127.0.0.1 is "loopback" and 240.0.0.1
# "reserved", though Python counts both as private too.
_REFUSED_KINDS = (
    ("unspecified", "is_unspecified"),
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),
)


def _url_error(message: str) -> ValidationError:
    return ValidationError({"url": message})


def split_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL, or a ValidationError naming ``url``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _url_error("The URL is not valid.") from None
    if parts.scheme not in SCHEMES:
        raise _url_error("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise _url_error("The URL has no host.")
    if parts.username or parts.password:
        raise _url_error("Leave credentials out of the URL: receivers check the signature instead.")
    return parts.hostname.lower(), port or SCHEMES[parts.scheme]


def refused_kind(address: str) -> str | None:
    """Why an IP address may not receive webhooks ("loopback", "private", …), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind, attribute in _REFUSED_KINDS:
        if getattr(ip, attribute):
            if kind == "loopback" and settings.WEBHOOK_ALLOW_LOOPBACK:
                return None
            return kind
    return None if ip.is_global else "non-public"


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _url_error(f"The host {host} does not resolve.") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def webhook_destination(url: str) -> tuple[str, int]:
    """The checked IP address and port to connect to for ``url``; a ValidationError otherwise."""
    host, port = split_url(url)
    addresses = _resolve(host, port)
    if host in {allowed.lower() for allowed in settings.WEBHOOK_ALLOWED_HOSTS}:
        return addresses[0], port
    for address in addresses:
        kind = refused_kind(address)
        if kind is not None:
            article = "an" if kind[0] in "aeiou" else "a"
            raise _url_error(
                f"{host} resolves to {address}, {article} {kind} address; webhooks are sent to "
                "public addresses only (an operator can allow a host with WEBHOOK_ALLOWED_HOSTS)."
            )
    return addresses[0], port
