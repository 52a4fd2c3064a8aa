"""Small worlds for the legal reports, built directly with the ORM: footage, lineage edges, edit jobs
and training runs with their stored gate decisions, taint records. No models or pipelines run.

The hand-counted world (``build_world``), ALPHA unless said otherwise:

    maya appears in a1 (and in b1, on BRAVO); leo appears in a2
    a1 --E1--> out1                         (E1 relied on LIC-LISTED for a1, maya digital_alteration)
    a1, a2 --T1--> adapter "alpha-lora"      (T1 relied on LIC-PROD for a1, a2, maya likeness_training)
    stock, alpha-lora --E2--> out2           (E2 relied on LIC-HOLDER for stock)
    a2 --E3--> (denied: no grant)
    BRAVO: b1 --EB--> b1-out                  (EB relied on LIC-B for b1)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.utils import timezone

from assets.choices import AssetOrigin, LineageNode
from assets.models import Appearance, Asset, Derivation, Person
from editing.models import Adapter, EditJob, ModelVersion, TrainingRun
from licensing.choices import ConsentScope, Coverage, GrantKind, LicenseStatus
from licensing.models import (
    AssetRightsHolder,
    ClearanceRequest,
    Consent,
    GateEvaluation,
    Grant,
    License,
    LicensedAsset,
    Party,
    Revocation,
    TaintRecord,
    TaintRun,
)
from studio.models import Production

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
TAINT_SINCE = dt.datetime(2026, 2, 1, 9, 30, tzinfo=UTC)


def day(n: int, hour: int = 12) -> dt.datetime:
    """A fixed moment in January–March 2026, for decisions whose dates the tests compare."""
    return T0 + dt.timedelta(days=n, hours=hour)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class World:
    production: Production
    other: Production
    studio: Party
    stock_co: Party
    model: ModelVersion
    assets: dict[str, Asset] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    licenses: dict[str, License] = field(default_factory=dict)
    consents: dict[str, Consent] = field(default_factory=dict)
    jobs: dict[str, EditJob] = field(default_factory=dict)
    runs: dict[str, TrainingRun] = field(default_factory=dict)
    adapters: dict[str, Adapter] = field(default_factory=dict)

    def asset(self, name, *, production=None, origin=AssetOrigin.DAILIES, status="active"):
        production = production or self.production
        asset = Asset.objects.create(
            production=production,
            sha256=sha(f"{production.code}/{name}"),
            kind="image",
            mime_type="image/png",
            size=100,
            storage_key=f"originals/{name}",
            original_filename=name,
            origin=origin,
            status=status,
            ingested_by="test",
        )
        self.assets[name] = asset
        return asset

    def person(self, name, *productions):
        person = Person.objects.create(name=name)
        person.productions.set(productions or [self.production, self.other])
        self.people[name] = person
        return person

    def appears(self, person, *assets):
        for name in assets:
            Appearance.objects.create(person=self.people[person], asset=self.assets[name])

    def license(self, ref, *, coverage=Coverage.LISTED, listed=(), production=None, **fields):
        values = {
            "title": f"{ref} title",
            "licensor": self.stock_co,
            "licensee": self.studio,
            "status": LicenseStatus.ACTIVE,
            "starts_at": T0,
        } | fields
        lic = License.objects.create(
            production=production or self.production, reference=ref, coverage=coverage, **values
        )
        for name in listed:
            LicensedAsset.objects.create(license=lic, asset=self.assets[name])
        lic.grant = Grant.objects.create(license=lic, kind=GrantKind.PERMISSION, action="ai_edit")
        self.licenses[ref] = lic
        return lic

    def consent(self, key, person, scope, *, productions=None, ends=None, revoked=False):
        consent = Consent.objects.create(
            person=self.people[person],
            scope=scope,
            description="report scenario",
            valid_from=T0,
            valid_until=ends,
            signed_by=person,
            signed_at=T0,
        )
        consent.productions.set(productions or [self.production])
        if revoked:
            Revocation.objects.create(
                consent=consent, revoked_at=T0, reason="withdrawn", recorded_by="legal"
            )
        self.consents[key] = consent
        return consent


def grant_reason(lic: License, asset: Asset) -> dict:
    refs = {"license": lic.reference, "license_id": lic.pk, "grant": lic.grant.pk}
    return {"code": "grant", "blocking": False, "message": "ok", "refs": refs | {"asset": asset.pk}}


def consent_reason(consent: Consent) -> dict:
    refs = {"person": consent.person_id, "scope": consent.scope, "consent": consent.pk}
    return {"code": "consent", "blocking": False, "message": "ok", "refs": refs}


def blocking_reason(asset: Asset, message: str) -> dict:
    refs = {"asset": asset.pk, "action": "ai_edit"}
    return {"code": "no_grant", "blocking": True, "message": message, "refs": refs}


def evaluation(production, action, reasons, *, assets=(), subject=None, by="lena-legal", at=None):
    allowed = not any(r["blocking"] for r in reasons)
    row = GateEvaluation.objects.create(
        production=production,
        action=action,
        request={"action": action, "asset_ids": [a.pk for a in assets]},
        allowed=allowed,
        reasons=list(reasons),
        rule_version="test",
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        evaluated_by=by,
    )
    if at is not None:
        GateEvaluation.objects.filter(pk=row.pk).update(created_at=at)
        row.created_at = at
    return row


def _edge(production, output: tuple[str, int], source: tuple[str, int], activity: tuple[str, int]):
    Derivation.objects.create(
        production=production,
        output_type=output[0],
        output_id=output[1],
        input_type=source[0],
        input_id=source[1],
        activity_type=activity[0],
        activity_id=activity[1],
    )


def edit(world, key, inputs, output=None, *, reasons, adapters=(), at=None, production=None):
    """An edit job gated at submit and at start with ``reasons``; when allowed, its output and
    lineage edges (inputs, adapters and the model version -> output)."""
    production = production or world.production
    job = EditJob.objects.create(
        production=production,
        requested_by="cory",
        seed=1,
        territory="US",
        media="svod",
        operation="inpaint",
        model_version=world.model,
    )
    job.inputs.set(inputs)
    at = at or day(1)
    submit = evaluation(production, "ai_edit", reasons, assets=inputs, subject=job, at=at)
    job.submit_evaluation = submit
    job.status = "denied"
    if submit.allowed:
        start_at = at + dt.timedelta(hours=1)
        job.start_evaluation = evaluation(
            production, "ai_edit", reasons, assets=inputs, subject=job, by="worker", at=start_at
        )
        job.output, job.status = output, "succeeded"
        made = (LineageNode.ASSET, output.pk)
        for source in inputs:
            _edge(production, made, (LineageNode.ASSET, source.pk), ("edit_job", job.pk))
        for adapter in adapters:
            _edge(production, made, (LineageNode.ADAPTER, adapter.pk), ("edit_job", job.pk))
        _edge(production, made, (LineageNode.MODEL_VERSION, world.model.pk), ("edit_job", job.pk))
    job.save()
    world.jobs[key] = job
    return job


def train(world, key, assets, adapter_name, *, reasons, at=None):
    """A training run gated at start with ``reasons``, its adapter and the training edges."""
    run = TrainingRun.objects.create(
        production=world.production,
        requested_by="cory",
        seed=1,
        territory="US",
        media="svod",
        name=adapter_name,
        model_version=world.model,
    )
    run.assets.set(assets)
    at = at or day(2)
    run.submit_evaluation = evaluation(
        world.production, "ai_train", reasons, assets=assets, subject=run, at=at
    )
    run.start_evaluation = evaluation(
        world.production,
        "ai_train",
        reasons,
        assets=assets,
        subject=run,
        by="worker",
        at=at + dt.timedelta(hours=1),
    )
    run.status = "succeeded"
    run.save()
    adapter = Adapter.objects.create(
        production=world.production,
        name=adapter_name,
        model_version=world.model,
        weights_key=f"adapters/{adapter_name}",
        weights_sha256=sha(adapter_name),
        training_run=run,
    )
    for source in assets:
        _edge(
            world.production,
            (LineageNode.ADAPTER, adapter.pk),
            (LineageNode.ASSET, source.pk),
            ("training_run", run.pk),
        )
    world.runs[key], world.adapters[adapter_name] = run, adapter
    return run, adapter


def taint(node, *, cause: str, cause_id: int, reason: str, path, lifted=False, at=None):
    """A taint record (and its run) on an asset or adapter, as the taint service leaves it."""
    node_type = LineageNode.ADAPTER if isinstance(node, Adapter) else LineageNode.ASSET
    run = TaintRun.objects.create(
        production=node.production,
        cause_type=cause.split()[0],
        cause_id=cause_id,
        cause_label=cause,
        reason=reason,
        status=TaintRun.Status.DONE,
        requested_by="legal",
    )
    record = TaintRecord.objects.create(
        run=run,
        production=node.production,
        cause_type=run.cause_type,
        cause_id=cause_id,
        node_type=node_type,
        node_id=node.pk,
        depth=len(path) - 1,
        path=[list(step) for step in path],
        reason=reason,
        lifted_at=timezone.now() if lifted else None,
        lifted_reason="reinstated" if lifted else "",
    )
    if at is not None:
        TaintRecord.objects.filter(pk=record.pk).update(created_at=at)
        record.created_at = at
    return record


def clearance(world, purpose, *, status="pending", production=None):
    request = ClearanceRequest.objects.create(
        production=production or world.production,
        requested_by="cory",
        action="distribute",
        territory="JP",
        media="festival",
        use_from=T0,
        purpose=purpose,
        status=status,
    )
    request.assets.set([world.assets["a1"]] if production is None else [])
    return request


def bare_world() -> World:
    """Two productions, two parties, a model version; no footage yet."""
    return World(
        Production.objects.create(code="ALPHA", name="Alpha"),
        Production.objects.create(code="BRAVO", name="Bravo"),
        Party.objects.create(name="Studio"),
        Party.objects.create(name="StockCo"),
        ModelVersion.objects.create(
            family="tiny",
            version="1",
            task="inpaint",
            location="/models/tiny",
            weights_sha256=sha("tiny"),
            registered_by="test",
        ),
    )


def build_world() -> World:
    """The hand-counted world of the module docstring (no taint: tests add the taint they check)."""
    w = bare_world()
    for name in ("a1", "a2"):
        w.asset(name)
    w.asset("stock", origin=AssetOrigin.LICENSED_STOCK)
    AssetRightsHolder.objects.create(asset=w.assets["stock"], party=w.stock_co)
    for name in ("out1", "out2"):
        w.asset(name, origin=AssetOrigin.AI_OUTPUT)
    w.asset("b1", production=w.other)
    w.asset("b1-out", production=w.other, origin=AssetOrigin.AI_OUTPUT)
    w.person("maya")
    w.person("leo", w.production)
    w.appears("maya", "a1", "b1")
    w.appears("leo", "a2")
    now = timezone.now()
    listed = w.license("LIC-LISTED", listed=["a1"], ends_at=now + dt.timedelta(days=10))
    whole = w.license(
        "LIC-PROD", coverage=Coverage.PRODUCTION, ends_at=now + dt.timedelta(days=100)
    )
    held = w.license("LIC-HOLDER", coverage=Coverage.RIGHTS_HOLDER)
    w.license("LIC-DRAFT", listed=["a2"], status="draft", ends_at=now + dt.timedelta(days=5))
    bravo = w.license(
        "LIC-B",
        coverage=Coverage.PRODUCTION,
        production=w.other,
        ends_at=now + dt.timedelta(days=5),
    )
    alteration = w.consent(
        "maya-alt", "maya", ConsentScope.DIGITAL_ALTERATION, ends=now + dt.timedelta(days=20)
    )
    training = w.consent("maya-train", "maya", ConsentScope.LIKENESS_TRAINING)
    w.consent(
        "maya-gone", "maya", ConsentScope.VOICE, ends=now + dt.timedelta(days=5), revoked=True
    )
    a = w.assets
    edit(
        w,
        "E1",
        [a["a1"]],
        a["out1"],
        reasons=[grant_reason(listed, a["a1"]), consent_reason(alteration)],
        at=day(1),
    )
    reasons = [grant_reason(whole, a["a1"]), grant_reason(whole, a["a2"]), consent_reason(training)]
    _, lora = train(w, "T1", [a["a1"], a["a2"]], "alpha-lora", reasons=reasons, at=day(10))
    edit(
        w,
        "E2",
        [a["stock"]],
        a["out2"],
        reasons=[grant_reason(held, a["stock"])],
        adapters=[lora],
        at=day(20),
    )
    denied = [blocking_reason(a["a2"], "a2: no grant covers ai_edit.")]
    edit(w, "E3", [a["a2"]], reasons=denied, at=day(30))
    edit(
        w,
        "EB",
        [a["b1"]],
        a["b1-out"],
        reasons=[grant_reason(bravo, a["b1"])],
        production=w.other,
        at=day(5),
    )
    return w
