"""The daily rights-expiry sweep: what expires, what is about to, who hears of it, and when."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from licensing import events
from licensing.choices import LicenseStatus
from licensing.models import License
from licensing.services.expiry import rights_expiry_sweep
from licensing.tasks import expiry_sweep
from studio.celery import app
from tests.factories import MembershipFactory
from tests.licensing.helpers import audit_rows
from tests.licensing.world import T0, permission

NOW = dt.datetime(2027, 6, 1, 6, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _licenses(world, now):
    world.license("L-PAST", permission(), ends=now - 2 * DAY)
    world.license("L-10", permission(), ends=now + 10 * DAY)
    world.license("L-40", permission(), ends=now + 40 * DAY)
    world.license("L-DRAFT", permission(), status=LicenseStatus.DRAFT, ends=now + 10 * DAY)
    world.license("B-10", permission(), production=world.other, ends=now + 10 * DAY)
    world.consent("maya-5", "maya", ends=now + 5 * DAY)
    world.consent("leo-5-revoked", "leo", ends=now + 5 * DAY, revoked=now - 30 * DAY)
    world.consent("old-60", "old", ends=now + 60 * DAY)


@pytest.fixture
def dated(world):
    _licenses(world, NOW)
    return world


@pytest.fixture
def staff(world, member):
    """Two ALPHA legal staff with email, one without, an ALPHA coordinator, BRAVO's legal."""
    no_email = member("legal", world.production, username="quiet-legal")
    no_email.email = ""
    no_email.save(update_fields=["email"])
    return {
        "alpha": [member("legal", world.production, username=n) for n in ("ana", "ben")],
        "coordinator": member("coordinator", world.production, username="cy"),
        "bravo": member("legal", world.other, username="bea"),
    }


def _refs(licenses):
    return sorted(lic.reference for lic in licenses)


def test_an_ended_license_expires_on_behalf_of_the_sweep(dated, sweep):
    report = sweep(now=NOW, days=30)

    assert _refs(report.expired_licenses) == ["L-PAST"]
    assert License.objects.get(reference="L-PAST").status == LicenseStatus.EXPIRED
    assert License.objects.get(reference="L-10").status == LicenseStatus.ACTIVE
    [event] = audit_rows("licensing.license.expired")
    assert (event.actor_type, event.actor_id, event.actor_name) == (
        "system",
        None,
        "system:licensing.expiry-sweep",
    )
    assert (event.before, event.after["status"]) == ({"status": "active"}, "expired")


def test_a_second_sweep_expires_nothing_more(dated, sweep):
    sweep(now=NOW, days=30)

    again = sweep(now=NOW, days=30)

    assert again.expired_licenses == []
    assert len(audit_rows("licensing.license.expired")) == 1


def test_what_ends_within_the_window_is_reported(dated, sweep):
    report = sweep(now=NOW, days=30)

    assert _refs(report.expiring_licenses) == ["B-10", "L-10"]
    assert [c.pk for c in report.expiring_consents] == [dated.consents["maya-5"].pk]


def test_each_production_s_legal_staff_get_one_email(dated, staff, sweep):
    report = sweep(now=NOW, days=30)

    assert report.emails_sent == len(mail.outbox) == 2
    by_recipients = {tuple(m.to): m for m in mail.outbox}
    alpha = by_recipients[("ana@example.test", "ben@example.test")]
    bravo = by_recipients[("bea@example.test",)]
    assert alpha.subject == "[Clearcut] Rights expiring within 30 days"
    for line in (
        "EXPIRED  license L-PAST",
        "expiring license L-10",
        "expiring consent of Maya for digital_alteration on 2027-06-06",
    ):
        assert line in alpha.body
    for absent in ("L-40", "L-DRAFT", "B-10", "Leo", "Old"):
        assert absent not in alpha.body
    assert "expiring license B-10" in bravo.body
    assert "L-10" not in bravo.body


def test_a_coordinator_is_not_emailed(dated, staff, sweep):
    sweep(now=NOW, days=30)

    recipients = {address for message in mail.outbox for address in message.to}
    assert staff["coordinator"].email not in recipients
    assert "quiet-legal@example.test" not in recipients


def test_legal_elsewhere_does_not_make_a_coordinator_hear_of_this_production(
    world, dated, staff, sweep
):
    """Cy coordinates ALPHA and is legal on BRAVO: ALPHA's rights are still not his to hear of."""
    MembershipFactory(user=staff["coordinator"], production=world.other, role="legal")

    sweep(now=NOW, days=30)

    alpha = next(m for m in mail.outbox if "L-10" in m.body)
    assert "cy@example.test" not in alpha.to
    assert sorted(alpha.to) == ["ana@example.test", "ben@example.test"]


def test_nothing_to_report_sends_no_email(world, staff, sweep):
    world.license("L-40", permission(), ends=NOW + 40 * DAY)

    report = sweep(now=NOW, days=30)

    assert (report.emails_sent, mail.outbox) == (0, [])


@pytest.fixture
def heard(monkeypatch):
    """The ``license.expiring`` announcements the sweep makes (licenses, days)."""
    calls = []
    monkeypatch.setattr(
        events, "licenses_expiring", lambda licenses, *, days: calls.append((licenses, days))
    )
    return calls


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The sweep as a committed transaction: its emails and events go out, as in production."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return rights_expiry_sweep(**kwargs)

    return run


def test_the_sweep_announces_expiring_and_just_expired_licenses(dated, heard, sweep):
    sweep(now=NOW, days=30)

    [(licenses, days)] = heard
    assert _refs(licenses) == ["B-10", "L-10", "L-PAST"]
    assert days == 30


def test_the_sweep_runs_every_day_from_beat():
    entries = [e for e in app.conf.beat_schedule.values() if e["task"] == expiry_sweep.name]

    assert expiry_sweep.name == "licensing.expiry_sweep"
    assert len(entries) == 1
    assert entries[0]["schedule"].hour == {6}


def test_the_task_sweeps_now_and_returns_counts(world, staff, settings):
    settings.RIGHTS_EXPIRY_WARNING_DAYS = 30
    _licenses(world, timezone.now())

    result = expiry_sweep()

    assert result == {
        "expired_licenses": 1,
        "expiring_licenses": 2,
        "expiring_consents": 1,
        "emails_sent": 2,
    }
    assert License.objects.get(reference="L-PAST").status == LicenseStatus.EXPIRED


def test_the_window_comes_from_settings(world, settings, sweep):
    settings.RIGHTS_EXPIRY_WARNING_DAYS = 45
    world.license("L-40", permission(), starts=T0, ends=NOW + 40 * DAY)

    report = sweep(now=NOW)

    assert _refs(report.expiring_licenses) == ["L-40"]
