"""Where webhooks may go: http(s) to public addresses, unless an operator allows a host."""

import socket

import pytest

from studio.models import WebhookSubscription
from studio.webhooks.addresses import refused_kind


@pytest.fixture
def dns(monkeypatch):
    """dns({"host": "address"}) -> those names resolve to those addresses; others as usual."""
    real = socket.getaddrinfo

    def _dns(table):
        def resolve(host, port, *args, **kwargs):
            if host in table:
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)

    return _dns


@pytest.fixture
def create(api, coordinator, production):
    api.force_login(coordinator)

    def _create(url):
        return api.post(
            "/api/v1/webhooks/",
            {"production": production.code, "name": "MAM", "url": url},
            format="json",
        )

    return _create


def _url_message(response) -> str:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert error["field"] == "url"
    return error["message"]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://mam.example.com/in", "Use an http:// or https:// URL."),
        ("mam.example.com/hooks", "Use an http:// or https:// URL."),
        ("http:///hooks", "The URL has no host."),
        ("http://mam.example.com:99999/", "The URL is not valid."),
        ("http://user:pw@mam.example.com/", "credentials"),
        ("http://127.0.0.1:8080/hooks", "127.0.0.1, a loopback address"),
        ("http://localhost/hooks", "a loopback address"),
        ("http://[::1]/hooks", "::1, a loopback address"),
        ("http://10.0.0.5/hooks", "10.0.0.5, a private address"),
        ("http://192.168.1.20/hooks", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://240.0.0.1/", "a reserved address"),
        ("http://[::ffff:10.0.0.5]/", "a private address"),
        ("http://no-such-host.invalid/", "does not resolve"),
    ],
)
def test_a_refused_url_is_a_400_naming_the_url_field(create, dns, url, says):
    dns({"mam.example.com": "93.184.215.14"})

    message = _url_message(create(url))

    assert says in message
    assert not WebhookSubscription.objects.exists()


def test_a_public_address_is_accepted(create, dns):
    dns({"mam.example.com": "93.184.215.14"})

    assert create("https://mam.example.com/hooks").status_code == 201


def test_a_host_that_resolves_to_a_private_address_is_refused(create, dns):
    dns({"mam.example.com": "10.20.30.40"})

    assert "10.20.30.40, a private address" in _url_message(create("https://mam.example.com/h"))


def test_an_allowed_host_may_be_private(create, dns, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["mam.internal"]
    dns({"mam.internal": "10.0.0.5"})

    assert create("https://MAM.internal/hooks").status_code == 201
    assert create("http://10.0.0.5/hooks").status_code == 400  # the name is allowed, not the range


def test_loopback_is_refused_unless_allowed(create, settings):
    assert create("http://127.0.0.1:8080/hooks").status_code == 400

    settings.WEBHOOK_ALLOW_LOOPBACK = True

    assert create("http://127.0.0.1:8080/hooks").status_code == 201
    assert create("http://10.0.0.5/hooks").status_code == 400  # loopback only, not private ranges


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.2", "loopback"),
        ("fe80::1%eth0", "link-local"),
        ("fd00::1", "private"),
        ("100.64.0.1", "non-public"),
        ("0.0.0.0", "unspecified"),  # noqa: S104
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("10.1.2.3", "private"),
        ("192.168.1.1", "private"),
        ("172.16.0.1", "private"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("ff02::1", "multicast"),
        ("fec0::1", "site-local"),  # deprecated site-local
        ("2002:0a00:0001::1", "6to4"),  # 6to4 carrying 10.0.0.1
        ("2002:0808:0808::1", "6to4"),  # 6to4 carrying a public address: still a tunnel
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8
        ("::10.0.0.1", "private"),  # IPv4-compatible (deprecated)
        ("::169.254.169.254", "link-local"),
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_one_function_decides_what_is_public(address, kind):
    assert refused_kind(address) == kind
