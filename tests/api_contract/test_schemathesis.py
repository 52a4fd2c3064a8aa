"""The OpenAPI schema tells the truth: schemathesis generates requests for every operation from
``/api/schema/`` over a seeded production (footage, licenses, consents, people, an edit job, a
webhook, tokens), and each answer must be no server error and match the documented schema.

Each operation is tried with generated values, and an operation on one row (``{id}`` in its path)
also with the id of a seeded row of its collection, so bodies carry real data, not empty lists."""

import datetime as dt
import re

import pytest

pytest.importorskip("schemathesis", reason="schemathesis is in the dev extras")

import schemathesis  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
)

from assets.models import Appearance, Asset, Person  # noqa: E402
from assets.services import asset_ingest, asset_make_derivatives  # noqa: E402
from assets.synthetic import make_clip, make_still  # noqa: E402
from editing.services import edit_job_submit  # noqa: E402
from licensing.models import (  # noqa: E402
    Consent,
    GateEvaluation,
    Grant,
    License,
    LicensedAsset,
    Party,
)
from licensing.services import clearance_request_create  # noqa: E402
from studio.models import AuditEvent  # noqa: E402
from studio.webhooks.services import webhook_send_test, webhook_subscription_create  # noqa: E402
from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token  # noqa: E402

# Generated cases per operation, and per seeded row: enough to reach every field's edges, bounded so
# the whole run stays within a few minutes.
MAX_EXAMPLES = 8
SEEDED_EXAMPLES = 3
ACTIONS = ["view", "distribute", "edit", "derive", "ai_edit", "ai_train", "ai_inference"]


@pytest.fixture
def api_schema(db):
    # As Django's test client does: requests served in-process must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
    }
    settings.ASSET_SPOOL_DIR = tmp_path / "spool"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    return tmp_path


@pytest.fixture
def seeded(db, media, broker) -> dict:
    """ALPHA with a still and a clip (derivatives made), Maya in both with a consent, a license with
    grants over them, a clearance request, an edit job, a webhook; legal's token writes."""
    production = ProductionFactory(code="ALPHA")
    user = UserFactory()
    MembershipFactory(user=user, production=production, role="legal")
    since = timezone.now() - dt.timedelta(days=30)
    assets = [
        asset_ingest(actor=user, production=production, source=path, filename=path.name).asset
        for path in (
            make_still(media / "still.jpg", size=(160, 90), format="JPEG"),
            make_clip(media / "clip.mp4", seconds=0.5, fps=12, size=(64, 36)),
        )
    ]
    for asset in assets:
        asset_make_derivatives(asset_id=asset.pk)
    maya = Person.objects.create(name="Maya", guardian_name="")
    maya.productions.set([production])
    for asset in assets:
        Appearance.objects.create(person=maya, asset=asset)
    consent = Consent.objects.create(
        person=maya,
        scope="digital_alteration",
        description="Clean-up of plates",
        valid_from=since,
        signed_by="Maya",
        signed_at=since,
    )
    consent.productions.set([production])
    studio, owner = Party.objects.create(name="Studio"), Party.objects.create(name="Owner")
    license = License.objects.create(
        production=production,
        reference="L-ALL",
        title="Everything",
        licensor=owner,
        licensee=studio,
        status="active",
        starts_at=since,
        ends_at=since + dt.timedelta(days=400),
        coverage="listed",
    )
    for action in ACTIONS:
        Grant.objects.create(license=license, kind="permission", action=action)
    for asset in assets:
        LicensedAsset.objects.create(license=license, asset=asset)
    request = clearance_request_create(
        actor=user,
        production=production,
        assets=[assets[0]],
        action="ai_edit",
        territory="US",
        media="svod",
        use_from=since,
        purpose="Trailer",
    )
    job = edit_job_submit(
        actor=user,
        production=production,
        operation="regrain",
        inputs=[assets[0]],
        territory="US",
        media="svod",
        seed=7,
    )
    hook, _ = webhook_subscription_create(
        actor=user, production=production, name="MAM", url="https://93.184.216.34/hooks"
    )
    delivery = webhook_send_test(actor=user, subscription=hook)
    spare, _ = make_token(user, [production])
    _, raw = make_token(user, [production], can_write=True)
    return {
        "headers": {"Authorization": f"Bearer {raw}"},
        "ids": {
            "assets": [a.pk for a in assets],
            "people": [maya.pk],
            "appearances": list(Appearance.objects.values_list("pk", flat=True)),
            "consents": [consent.pk],
            "licenses": [license.pk],
            "parties": [studio.pk],
            "clearance-requests": [request.pk],
            "edits": [job.pk],
            "webhooks": [hook.pk],
            "webhook-deliveries": [delivery.pk],
            "gate-evaluations": list(GateEvaluation.objects.values_list("pk", flat=True)[:1]),
            "audit-events": list(AuditEvent.objects.values_list("pk", flat=True)[:1]),
            "tokens": [spare.pk],
            "productions": [production.pk],
        },
    }


def _run(strategy, headers, examples: int) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(
            headers=headers,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    run()


def _with_id(case, name: str, pk: int):
    case.path_parameters = {**(case.path_parameters or {}), name: pk}
    return case


def _check_operation(operation, seeded) -> None:
    _run(operation.as_strategy(), seeded["headers"], MAX_EXAMPLES)
    match = re.match(r"/api/v1/([a-z-]+)/\{(\w+)\}", operation.path)
    if match is None:
        return
    collection, name = match.groups()
    for pk in seeded["ids"].get(collection, []):
        strategy = operation.as_strategy().map(lambda case, pk=pk: _with_id(case, name, pk))
        _run(strategy, seeded["headers"], SEEDED_EXAMPLES)


def _order(operation) -> tuple:
    """Reads first, then writes; tokens last (a generated revoke may hit the caller's own)."""
    return (operation.path.startswith("/api/v1/tokens"), operation.method != "get", operation.path)


def test_every_operation_answers_as_documented(api_schema, seeded):
    failures = []
    operations = sorted((r.ok() for r in api_schema.get_all_operations()), key=_order)
    for operation in operations:
        try:
            _check_operation(operation, seeded)
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # every operation is tried, all failures shown
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)


def test_the_seeded_world_fills_the_lists(api, seeded):
    """The fixture really seeds: each list the contract run reads has rows."""
    api.credentials(HTTP_AUTHORIZATION=seeded["headers"]["Authorization"])
    for name in seeded["ids"]:
        body = api.get(f"/api/v1/{name}/").json()
        assert body["results"], name
    assert Asset.objects.exclude(proxy_key="").count() == 2
