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


NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated; :: and ::1 are handled as such


def _ipv6_refusal(ip: ipaddress.IPv6Address) -> tuple[str | None, ipaddress.IPv4Address | None]:
    """A reason to refuse an IPv6 address outright, or the IPv4 address it carries (judged as such)."""
    if ip.is_site_local:
        return "site-local", None
    if ip.sixtofour is not None:
        return "6to4", None
    if ip.teredo is not None:
        return "Teredo", None
    if ip.ipv4_mapped is not None:
        return None, ip.ipv4_mapped
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return None, ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None, None


def refused_kind(address: str) -> str | None:
    """Why an IP address may not receive webhooks ("loopback", "private", "6to4", …), or None.

    The one place that decides "public": IPv6 forms that carry or tunnel an IPv4 address are judged
    by that address (IPv4-mapped, NAT64, IPv4-compatible) or refused (6to4, Teredo), and the
    deprecated site-local range is refused."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        refusal, embedded = _ipv6_refusal(ip)
        if refusal:
            return refusal
        ip = embedded or ip
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
