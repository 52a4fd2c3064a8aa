"""Builders for the gate's scenarios: licenses, consents, statuses, adapters, appearances."""

from assets.choices import LineageNode
from assets.models import Derivation
from licensing.choices import ConsentScope
from tests.licensing.world import (
    appears,
    at,
    permission,
)

ALTER = ConsentScope.DIGITAL_ALTERATION
T0_REVOKED = at("2026-10-02T09:00:00+00:00")


def world_license(*grants, **kwargs):
    return lambda w: w.license("L-1", *grants, **kwargs)


def both(*setups):
    def setup(w):
        for step in setups:
            step(w)

    return setup


def nothing(w):
    return None


def second_license(ref, *grants, **kwargs):
    return lambda w: w.license(ref, *grants, **kwargs)


def status(name, value):
    def setup(w):
        asset = w.assets[name]
        asset.status, asset.status_reason = value, "scenario"
        asset.save()

    return setup


def adapter_on(*names, status="active"):
    def setup(w):
        from editing.models import Adapter, ModelVersion

        model = ModelVersion.objects.create(
            family="tiny",
            version="1",
            task="img2img",
            location="/models/tiny",
            weights_sha256="a" * 64,
            registered_by="test",
        )
        Adapter.objects.create(
            pk=7,
            production=w.production,
            name="house",
            model_version=model,
            weights_key="k",
            weights_sha256="b" * 64,
            status=status,
            status_reason="footage consent revoked" if status != "active" else "",
        )
        for name in names:
            Derivation.objects.create(
                production=w.production,
                output_type=LineageNode.ADAPTER,
                output_id=7,
                input_type=LineageNode.ASSET,
                input_id=w.assets[name].pk,
                activity_type="training_run",
                activity_id=1,
            )

    return setup


def person_in(person, *assets):
    return lambda w: appears(w, person, *assets)


def consent(person, scope=ALTER, **kwargs):
    return lambda w: w.consent(f"{person}-{scope}", person, scope, **kwargs)


def other_production_grant(w):
    w.license("L-1", permission(productions=[w.other]))


WORLD_OK = world_license(permission())
R = dict  # request arguments


def E(code, **expected):  # noqa: N802  (a column of the tables, read like a constant)
    """The structured reason a scenario expects: its code and, by name, the ids it refers to
    (asset and person by world name, license by reference, consent by key); ``value`` and
    ``limit`` as given."""
    return {"code": code, **expected}


def tainted_by_consent(name, person):
    """The asset is tainted because ``person``'s consent was revoked (a taint record names it)."""

    def setup(w):
        from licensing.models import TaintRecord, TaintRun

        consent = w.consent(f"{person}-taint", person, revoked=T0_REVOKED)
        run = TaintRun.objects.create(
            production=w.production,
            cause_type="consent",
            cause_id=consent.pk,
            cause_label="consent",
            reason="revoked",
            requested_by="legal",
        )
        asset = w.assets[name]
        TaintRecord.objects.create(
            run=run,
            production=w.production,
            cause_type="consent",
            cause_id=consent.pk,
            node_type="asset",
            node_id=asset.pk,
            depth=0,
            path=[["asset", asset.pk]],
            reason="consent revoked",
        )
        asset.status, asset.status_reason = "tainted", "consent revoked"
        asset.save()

    return setup
