"""A production with footage, people, an adapter trained on some of it, and outputs three deep."""

import datetime as dt

import pytest

from assets.choices import AssetOrigin, LineageNode
from assets.models import Appearance, Asset, Derivation, Person
from editing.models import Adapter, ModelVersion
from licensing.models import Consent, Grant, License, LicensedAsset, Party

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Footage:
    def __init__(self, production):
        self.production = production
        self.assets, self.adapters, self.consents = {}, {}, {}

    def asset(self, name, origin=AssetOrigin.DAILIES):
        digest = f"{abs(hash((self.production.pk, name))):064x}"[-64:]
        self.assets[name] = Asset.objects.create(
            production=self.production,
            sha256=digest,
            kind="image",
            mime_type="image/png",
            size=10,
            storage_key=f"k/{name}",
            original_filename=name,
            origin=origin,
            ingested_by="t",
            width=8,
            height=8,
        )
        return self.assets[name]

    def edge(self, output, source, activity="edit_job", activity_id=1):
        out_type, out_id = output
        in_type, in_id = source
        Derivation.objects.create(
            production=self.production,
            output_type=out_type,
            output_id=out_id,
            input_type=in_type,
            input_id=in_id,
            activity_type=activity,
            activity_id=activity_id,
        )

    def a(self, name):
        return (LineageNode.ASSET, self.assets[name].pk)


@pytest.fixture
def footage(production):
    """raw1 (Maya) → out1 → out2 → out3 (edits); raw1 + raw2 (plate) → adapter → styled (edit with it)."""
    world = Footage(production)
    for name in ("raw1", "raw2", "raw3"):
        world.asset(name)
    for name in ("out1", "out2", "out3", "styled"):
        world.asset(name, AssetOrigin.AI_OUTPUT)
    world.edge(world.a("out1"), world.a("raw1"), activity_id=1)
    world.edge(world.a("out2"), world.a("out1"), activity_id=2)
    world.edge(world.a("out3"), world.a("out2"), activity_id=3)
    model = ModelVersion.objects.create(
        family="tiny",
        version="1",
        task="img2img",
        location="/m",
        weights_sha256="a" * 64,
        registered_by="t",
    )
    adapter = Adapter.objects.create(
        production=production,
        name="house",
        model_version=model,
        weights_key="w",
        weights_sha256="b" * 64,
    )
    world.adapters["house"] = adapter
    for name in ("raw1", "raw2"):
        world.edge(
            (LineageNode.ADAPTER, adapter.pk), world.a(name), activity="training_run", activity_id=9
        )
    world.edge(world.a("styled"), world.a("raw3"), activity_id=4)
    world.edge(world.a("styled"), (LineageNode.ADAPTER, adapter.pk), activity_id=4)
    maya = Person.objects.create(name="Maya")
    maya.productions.set([production])
    Appearance.objects.create(person=maya, asset=world.assets["raw1"])
    for scope in ("digital_alteration", "likeness_training"):
        consent = Consent.objects.create(
            person=maya, scope=scope, description="x", valid_from=T0, signed_by="Maya", signed_at=T0
        )
        consent.productions.set([production])
        world.consents[scope] = consent
    party = Party.objects.create(name="Owner")
    world.license = License.objects.create(
        production=production,
        reference="L-RAW1",
        title="raw1",
        licensor=party,
        licensee=party,
        status="active",
        starts_at=T0,
        coverage="listed",
    )
    LicensedAsset.objects.create(license=world.license, asset=world.assets["raw1"])
    Grant.objects.create(license=world.license, action="ai_edit")
    return world
