"""The admin write walk: every registered admin page either refuses a write or makes it through
the service that audits it, for a superuser and for a production coordinator.

A model registered in the admin but missing from ``ADMIN_WRITES`` fails here: say how its page
writes (through which audited service) or make it read-only.
"""

from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from assets.models import Asset, Person
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from licensing.models import ClearanceRequest, Consent, GateEvaluation, License, Party
from studio.models import (
    ApiToken,
    AuditEvent,
    Membership,
    OutboxMessage,
    Production,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.admin.conftest import HOOK_URL

ADD, CHANGE, DELETE, PAGE = "add", "change", "delete", "page"


@dataclass(frozen=True)
class Writes:
    """What the admin writes for a model, as the audit action each write's service records.

    None refuses the write. ``page`` names the service-backed page the add view sends people to.
    ``members`` are the writes a production coordinator may make too (superusers make them all).
    """

    add: str | None = None
    change: str | None = None
    delete: str | None = None
    page: str | None = None
    members: frozenset[str] = frozenset()


READ_ONLY = Writes()
ADMIN_WRITES = {
    Production: Writes(add="studio.production.created", change="studio.production.updated"),
    Membership: Writes(delete="studio.membership.removed"),
    ApiToken: Writes(add="studio.api_token.created"),
    AuditEvent: READ_ONLY,
    OutboxMessage: READ_ONLY,
    WebhookSubscription: Writes(
        add="studio.webhook.created",
        change="studio.webhook.updated",
        members=frozenset({ADD, CHANGE}),
    ),
    WebhookDelivery: READ_ONLY,
    Asset: Writes(page="admin:assets_asset_upload", members=frozenset({PAGE})),
    Person: Writes(
        add="assets.person.created",
        change="assets.person.updated",
        members=frozenset({ADD, CHANGE}),
    ),
    Party: Writes(add="licensing.party.created"),
    License: Writes(add="licensing.license.created", change="licensing.license.updated"),
    Consent: Writes(add="licensing.consent.recorded"),
    ClearanceRequest: Writes(add="licensing.clearance.requested", members=frozenset({ADD})),
    GateEvaluation: READ_ONLY,
    ModelVersion: READ_ONLY,
    Adapter: READ_ONLY,
    TrainingRun: READ_ONLY,
    EditJob: Writes(page="admin:editing_editjob_request", members=frozenset({PAGE})),
    get_user_model(): READ_ONLY,
    Group: READ_ONLY,
}

# Names that record a decision, a hash or who did something: never a form field.
DECISION_FIELDS = {
    "status",
    "status_reason",
    "decided_by",
    "decided_at",
    "decision_notes",
    "created_grant",
    "revoked_at",
    "recorded_by",
    "requested_by",
    "requested_by_id",
    "created_by",
    "ingested_by",
    "registered_by",
    "evaluated_by",
    "allowed",
    "reasons",
    "tainted",
    "tainted_at",
    "withdrawn_at",
    "sha256",
    "weights_sha256",
    "ledger",
    "ledger_sha256",
    "training_ledger_sha256",
    "key_hash",
    "key_prefix",
    "last_used_at",
    "secret",
    "hash",
    "prev_hash",
    "seq",
    "chain",
    "consecutive_failures",
    "disabled_at",
    "disabled_reason",
    "c2pa_state",
    "c2pa_manifest",
    "output",
    "submit_evaluation",
    "start_evaluation",
    "is_superuser",
    "is_staff",
    "user_permissions",
    "groups",
    "permissions",
}

# Sent with every POST: none of it may reach a row.
FORGED = {
    "status": "approved",
    "decided_by": "lee-legal",
    "decided_at_0": "2020-01-01",
    "decided_at_1": "00:00:00",
    "requested_by": "mallory",
    "created_by": "1",
    "revoked_at_0": "2020-01-01",
    "revoked_at_1": "00:00:00",
    "key_hash": "0" * 64,
    "sha256": "0" * 64,
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _dt(value):
    return {f"{value}_0": "2026-01-01", f"{value}_1": "00:00:00"}


def _no_dt(value):
    return {f"{value}_0": "", f"{value}_1": ""}


def add_forms(rows, user) -> dict:
    production = rows.production.pk
    licensor, licensee = (p.pk for p in rows.parties)
    return {
        Production: {"code": "GAMMA", "name": "Gamma", "description": ""}
        | {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
        ApiToken: {"name": "bridge", "user": user.pk, "productions": [production]}
        | {"expires_at_0": "2099-01-01", "expires_at_1": "00:00:00"},
        WebhookSubscription: {"production": production, "name": "Dalet", "url": HOOK_URL}
        | {"events": ["job.failed"]},
        Person: {"name": "Nina", "kind": "talent", "productions": [production]},
        Party: {"name": "NewCo", "kind": "organisation", "contact_email": "", "notes": ""},
        License: {"reference": "L-NEW", "title": "New", "production": production}
        | {"licensor": licensor, "licensee": licensee, "coverage": "production"}
        | _dt("starts_at")
        | _no_dt("ends_at")
        | {"grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0"},
        Consent: {"person": rows.person.pk, "productions": [production]}
        | {"scope": "voice", "description": "ADR", "signed_by": "Maya"}
        | _dt("valid_from")
        | _no_dt("valid_until")
        | _dt("signed_at"),
        ClearanceRequest: {"production": production, "assets": [rows.asset.pk]}
        | {"action": "ai_edit", "territory": "US", "media": "svod", "purpose": "trailer"}
        | {"use_from_0": "2027-01-01", "use_from_1": "00:00:00"}
        | _no_dt("use_until"),
    }


def change_forms(rows) -> dict:
    license = rows.of[License]
    return {
        Production: {"name": "Alpha renamed", "description": ""}
        | {"memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
        WebhookSubscription: {"name": "Renamed", "url": HOOK_URL, "active": "on"},
        Person: {"name": "Maya B", "kind": "talent", "productions": [rows.production.pk]},
        License: {"reference": license.reference, "title": "Stock, renewed"}
        | {"licensor": license.licensor_id, "licensee": license.licensee_id}
        | {"coverage": "production"}
        | _dt("starts_at")
        | _no_dt("ends_at")
        | {"grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0"},
    }


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def audited(action):
    return Counter({action: 1}) if action else Counter()


class Walk:
    """Each write as one POST; what it must produce: a redirect and its audit event, or a 403."""

    def __init__(self, client, model, writes, allowed):
        self.client, self.model, self.writes, self.allowed = client, model, writes, allowed

    def post(self, path, data, expected_action):
        before_rows = self.model._default_manager.count()
        before = Counter(AuditEvent.objects.values_list("action", flat=True))
        response = self.client.post(path, {**FORGED, **data})
        events = Counter(AuditEvent.objects.values_list("action", flat=True)) - before
        if expected_action:
            assert response.status_code == 302, _form_errors(response)
        else:
            assert response.status_code == 403, (path, response.status_code)
            assert self.model._default_manager.count() == before_rows
        assert events == audited(expected_action), (path, events)

    def expect(self, write):
        return getattr(self.writes, write) if write in self.allowed else None


def _form_errors(response):
    context = getattr(response, "context", None) or {}
    if "adminform" not in context:
        return response.status_code
    inlines = [formset.formset.errors for formset in context.get("inline_admin_formsets", [])]
    return context["adminform"].form.errors, inlines


def test_every_registered_admin_is_in_the_table():
    missing = sorted(m._meta.label for m in admin.site._registry if m not in ADMIN_WRITES)
    assert not missing, f"Registered in the admin with no entry in ADMIN_WRITES: {missing}"
    gone = sorted(m._meta.label for m in ADMIN_WRITES if m not in admin.site._registry)
    assert not gone, f"In ADMIN_WRITES but not registered: {gone}"


@pytest.mark.parametrize("principal", ["superuser", "coordinator"])
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_writes_go_through_services_or_are_refused(client, rows, request, principal, model):
    user = request.getfixturevalue(principal)
    client.force_login(user)
    writes = ADMIN_WRITES[model]
    allowed = {ADD, CHANGE, DELETE, PAGE} if user.is_superuser else writes.members
    walk = Walk(client, model, writes, allowed)
    row = rows.of[model]

    add_page = client.get(url(model, "add"))
    if walk.expect(PAGE):
        assert add_page.status_code == 302
        assert add_page["Location"] == reverse(writes.page)
    else:
        assert add_page.status_code == (200 if walk.expect(ADD) else 403)
    if not walk.expect(PAGE):
        walk.post(url(model, "add"), add_forms(rows, user).get(model, {}), walk.expect(ADD))
    walk.post(url(model, "change", row.pk), change_forms(rows).get(model, {}), walk.expect(CHANGE))
    walk.post(url(model, "delete", row.pk), {"post": "yes"}, walk.expect(DELETE))


@pytest.mark.parametrize("principal", ["superuser", "coordinator"])
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_decision_fields_are_never_form_fields(rf, rows, request, principal, model):
    user = request.getfixturevalue(principal)
    model_admin = admin.site._registry[model]
    http = rf.get("/admin/")
    http.user = user
    row = rows.of[model]
    forms = []
    if model_admin.has_add_permission(http):
        forms.append(model_admin.get_form(http, None, change=False))
    forms.append(model_admin.get_form(http, row, change=True))
    for obj in (None, row):
        for inline in model_admin.get_inline_instances(http, obj):
            forms.append(inline.get_formset(http, obj).form)

    exposed = {name for form in forms for name in form.base_fields} & DECISION_FIELDS

    assert not exposed, f"{model._meta.label} has decision fields on a form: {sorted(exposed)}"
