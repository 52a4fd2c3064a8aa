"""A production that grows one row at a time in every collection of the API: after ``grow(n)`` each
list has n rows, and the first row of each kind has n of each nested thing (a license n grants and
n listed assets, an edit job n inputs and n adapters, a person n productions…). Query-count tests
measure every route at n = 1 and n = 50."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import models

from assets.models import Appearance, Asset, Person
from editing.models import Adapter, EditJob, EditJobAdapter, ModelVersion, TrainingRun
from licensing.models import (
    ClearanceRequest,
    Consent,
    GateEvaluation,
    Grant,
    License,
    LicensedAsset,
    Party,
    Revocation,
)
from studio.audit import audit_record
from studio.models import Membership, Production, WebhookDelivery, WebhookSubscription
from tests.factories import UserFactory, make_token

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _asset(production: Production, i: int) -> Asset:
    sha = hashlib.sha256(f"sized-{i}".encode()).hexdigest()
    return Asset.objects.create(
        production=production,
        sha256=sha,
        kind="video",
        mime_type="video/mp4",
        size=1000 + i,
        storage_key=f"originals/{sha[:2]}/{sha[2:4]}/{sha}",
        original_filename=f"clip-{i}.mp4",
        origin="dailies",
        duration_seconds=10.0,
        fps="24",
        frame_count=240,
        ingested_by="test",
    )


@dataclass
class SizedWorld:
    user: object
    alpha: Production
    n: int = 0
    rows: dict[str, list[models.Model]] = field(default_factory=dict)

    def first(self, kind: str) -> models.Model:
        return self.rows[kind][0]

    def ids(self, kind: str, count: int) -> list[int]:
        return [row.pk for row in self.rows[kind][:count]]

    def _keep(self, kind: str, row) -> models.Model:
        self.rows.setdefault(kind, []).append(row)
        return row

    def grow(self, n: int) -> None:
        for i in range(self.n, n):
            self._add(i)
        self.n = n

    def _add(self, i: int) -> None:
        production = self.alpha if i == 0 else Production.objects.create(code=f"P{i:03d}")
        if i:
            Membership.objects.create(user=self.user, production=production, role="legal")
        self._keep("production", production)
        asset = self._keep("asset", _asset(self.alpha, i))
        self._people(i, production, asset)
        self._licensing(i, production, asset)
        self._editing(i, asset)
        self._studio(i, production)

    def _people(self, i, production, asset) -> None:
        person = self._keep("person", Person.objects.create(name=f"Person {i}"))
        person.productions.add(self.alpha)
        self.first("person").productions.add(production)
        self._keep("appearance", Appearance.objects.create(person=person, asset=asset))
        consent = Consent.objects.create(
            person=self.first("person"),
            scope="digital_alteration",
            description=f"consent {i}",
            valid_from=T0,
            signed_by="x",
            signed_at=T0,
        )
        consent.productions.add(self.alpha)
        self._keep("consent", consent)
        self.first("consent").productions.add(production)
        Revocation.objects.create(consent=consent, revoked_at=T0, reason="gone", recorded_by="x")

    def _licensing(self, i, production, asset) -> None:
        party = self._keep("party", Party.objects.create(name=f"Party {i:03d}"))
        license = self._keep(
            "license",
            License.objects.create(
                production=self.alpha,
                reference=f"L-{i:03d}",
                title=f"License {i}",
                licensor=self.first("party"),
                licensee=party,
                status="active",
                starts_at=T0,
                coverage="listed",
            ),
        )
        for owner in {license, self.first("license")}:
            grant = Grant.objects.create(license=owner, action="distribute", media=["svod"])
            grant.productions.add(production)
            LicensedAsset.objects.get_or_create(license=owner, asset=asset)
        request = self._keep(
            "clearancerequest",
            ClearanceRequest.objects.create(
                production=self.alpha,
                requested_by="cory",
                action="distribute",
                territory="JP",
                media="svod",
                use_from=T0,
                purpose=f"use {i}",
            ),
        )
        request.assets.add(asset)
        self.first("clearancerequest").assets.add(asset)
        self._keep(
            "gateevaluation",
            GateEvaluation.objects.create(
                production=self.alpha,
                action="ai_edit",
                request={"n": i},
                allowed=bool(i % 2),
                reasons=[{"code": "grant", "refs": {"n": i}}],
                rule_version="t",
                evaluated_by="x",
            ),
        )

    def _editing(self, i, asset) -> None:
        model = self._keep(
            "modelversion",
            ModelVersion.objects.create(
                family=f"m{i:03d}",
                version="1",
                task="img2img",
                location="/nowhere",
                weights_sha256=f"{i:064x}",
                registered_by="test",
            ),
        )
        run = self._keep(
            "trainingrun",
            TrainingRun.objects.create(
                production=self.alpha,
                requested_by="cory",
                name=f"run {i}",
                model_version=model,
                seed=i,
                territory="US",
                media="internal",
                submit_evaluation=self.first("gateevaluation"),
                ledger={"n": i},
            ),
        )
        run.assets.add(asset)
        self.first("trainingrun").assets.add(asset)
        adapter = self._keep(
            "adapter",
            Adapter.objects.create(
                production=self.alpha,
                name=f"adapter {i}",
                model_version=model,
                weights_key=f"adapters/{i}",
                weights_sha256=f"{i:064x}",
                training_run=run,
            ),
        )
        job = self._keep(
            "editjob",
            EditJob.objects.create(
                production=self.alpha,
                requested_by="cory",
                operation="restyle",
                model_version=model,
                seed=i,
                territory="US",
                media="svod",
                submit_evaluation=self.first("gateevaluation"),
                start_evaluation=self.rows["gateevaluation"][i],
            ),
        )
        job.inputs.add(asset)
        self.first("editjob").inputs.add(asset)
        EditJobAdapter.objects.create(job=self.first("editjob"), adapter=adapter, weight=0.5)

    def _studio(self, i, production) -> None:
        token, _ = make_token(self.user, [self.alpha])
        self._keep("apitoken", token)
        self.first("apitoken").productions.add(production)
        hook = self._keep(
            "webhooksubscription",
            WebhookSubscription.objects.create(
                production=self.alpha,
                name=f"hook {i}",
                url="https://93.184.216.34/hooks",
                secret=f"whsec_{i}",
                events=["asset.ingested"],
                created_by=self.user,
            ),
        )
        self._keep(
            "webhookdelivery",
            WebhookDelivery.objects.create(
                subscription=hook, event_type="asset.ingested", payload={"n": i}
            ),
        )
        event = audit_record(
            actor=self.user, action="test.sized", production=self.alpha, target=production
        )
        self._keep("auditevent", event)


def sized_world() -> SizedWorld:
    user = UserFactory(username="sized-legal")
    alpha = Production.objects.create(code="ALPHA")
    Membership.objects.create(user=user, production=alpha, role="legal")
    return SizedWorld(user=user, alpha=alpha)
