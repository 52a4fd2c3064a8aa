"""The pages people open (the edit desk's helpers, legal's reports, pickers and withdrawal, the
audit check) read their query strings as a mistyped link: an id, a number or an instant that is
not one is as if it were not given, or a 400 naming it — never a server error. Digits other than
ASCII ones (``²``, ``١``), digit strings longer than Python reads, NUL bytes, instants out of the
calendar."""

import pytest
from django.urls import reverse

from legal.pickers import IMPACT_PICKERS
from legal.reports import REPORTS
from studio.webhooks.signing import sign, verify

ODD = [
    "\x00",
    "²",
    "١٢",
    "9" * 5000,
    "99999999999999999999999",
    "-1",
    "abc",
    "",
    "2026-13-45T00:00:00+00:00",
    "2026-01-01T00:00:00+99:00",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
]


def _pages() -> list[tuple[str, str]]:
    pages = [
        (reverse("admin:editing_editjob_progress_list"), "ids"),
        (reverse("admin:editing_editjob_finished"), "since"),
        (reverse("admin:editing_editjob_request"), "asset"),
        (reverse("admin:editing_editjob_add"), "asset"),
        (reverse("admin:studio_auditevent_verify"), "production_id"),
        (reverse("legal-withdraw"), "asset"),
        (reverse("legal-dashboard"), "production"),
    ]
    for name, spec in REPORTS.items():
        pages += [(reverse("legal-report", args=[name]), p.name) for p in spec.params]
        pages.append((reverse("legal-report", args=[name]), "format"))
    pages += [(reverse("legal-pick", args=[kind]), "q") for kind in IMPACT_PICKERS]
    return pages


@pytest.mark.parametrize(("page", "param"), _pages(), ids=lambda v: v)
def test_an_odd_query_value_is_never_a_server_error(client, superuser, production, page, param):
    client.force_login(superuser)
    client.raise_request_exception = False
    answers = {value[:12]: client.get(page, {param: value}).status_code for value in ODD}
    assert all(status < 500 for status in answers.values()), answers
    several = client.get(page, {param: ["1", "²", "\x00"]}).status_code
    assert several < 500


@pytest.mark.parametrize("timestamp", ["²", "١٢", "9" * 5000, "-5", ""])
def test_a_webhook_signature_with_an_odd_timestamp_is_refused_not_raised(timestamp):
    good = sign("secret", 1_800_000_000, b"{}")
    odd = good.replace("t=1800000000", f"t={timestamp}")

    assert verify("secret", odd, b"{}") is False
