"""The gate, scenario by scenario. Each row: given licenses and consents, a request, the answer."""

import pytest

from assets.choices import AssetStatus, LineageNode
from assets.models import Derivation
from licensing.choices import ConsentScope, Coverage, LicenseStatus
from licensing.policy import evaluate
from tests.licensing.world import (
    NY,
    TOKYO,
    USE,
    appears,
    at,
    build_world,
    permission,
    prohibition,
)

ALTER = ConsentScope.DIGITAL_ALTERATION


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

SCENARIOS = [
    # (id, setup, request kwargs, allowed, expected text in a reason)
    ("no license at all", nothing, R(), False, "no grant covers ai_edit in territory US"),
    ("production coverage, no constraints", WORLD_OK, R(), True, "permitted by license L-1"),
    (
        "US only, used in US",
        world_license(permission(territory_include=["US"])),
        R(),
        True,
        "permitted",
    ),
    (
        "US only, used in FR",
        world_license(permission(territory_include=["US"])),
        R(territory="FR"),
        False,
        "does not cover territory FR",
    ),
    (
        "WORLD except US, used in US",
        world_license(permission(territory_include=["WORLD"], territory_exclude=["US"])),
        R(),
        False,
        "no grant covers",
    ),
    (
        "WORLD except US, used in FR",
        world_license(permission(territory_include=["WORLD"], territory_exclude=["US"])),
        R(territory="FR"),
        True,
        "permitted",
    ),
    (
        "EU group, used in DE",
        world_license(permission(territory_include=["EU"])),
        R(territory="DE"),
        True,
        "permitted",
    ),
    (
        "EU group, used in GB",
        world_license(permission(territory_include=["EU"])),
        R(territory="GB"),
        False,
        "territory GB",
    ),
    (
        "EU except FR, used in FR",
        world_license(permission(territory_include=["EU"], territory_exclude=["FR"])),
        R(territory="FR"),
        False,
        "territory FR",
    ),
    (
        "EU except FR, used in IT",
        world_license(permission(territory_include=["EU"], territory_exclude=["FR"])),
        R(territory="IT"),
        True,
        "permitted",
    ),
    (
        "theatrical only, used on SVOD",
        world_license(permission(media=["theatrical"])),
        R(),
        False,
        "media svod",
    ),
    (
        "SVOD and AVOD, used on SVOD",
        world_license(permission(media=["svod", "avod"])),
        R(),
        True,
        "permitted",
    ),
    (
        "French only, used in French",
        world_license(permission(languages=["fr"])),
        R(language="fr"),
        True,
        "permitted",
    ),
    (
        "French only, used in English",
        world_license(permission(languages=["fr"])),
        R(language="en"),
        False,
        "language en",
    ),
    (
        "French only, language not said",
        world_license(permission(languages=["fr"])),
        R(),
        False,
        "language (unspecified)",
    ),
    (
        "UTC window, last second inside",
        world_license(permission(valid_until=at("2027-03-15T00:00:00+00:00"))),
        R(when=at("2027-03-14T23:59:59+00:00")),
        True,
        "permitted",
    ),
    (
        "UTC window, end is exclusive",
        world_license(permission(valid_until=at("2027-03-15T00:00:00+00:00"))),
        R(when=at("2027-03-15T00:00:00+00:00")),
        False,
        "until 2027-03-15",
    ),
    (
        "New York midnight start, an hour early in UTC",
        world_license(permission(valid_from=at("2027-03-15T00:00:00").replace(tzinfo=NY))),
        R(when=at("2027-03-15T04:59:59+00:00")),
        False,
        "from 2027-03-15",
    ),
    (
        "New York midnight start is inclusive",
        world_license(permission(valid_from=at("2027-03-15T00:00:00").replace(tzinfo=NY))),
        R(when=at("2027-03-15T05:00:00+00:00")),
        True,
        "permitted",
    ),
    (
        "Tokyo midnight end, a second before",
        world_license(permission(valid_until=at("2027-03-16T00:00:00").replace(tzinfo=TOKYO))),
        R(when=at("2027-03-15T14:59:59+00:00")),
        True,
        "permitted",
    ),
    (
        "Tokyo midnight end, reached",
        world_license(permission(valid_until=at("2027-03-16T00:00:00").replace(tzinfo=TOKYO))),
        R(when=at("2027-03-15T15:00:00+00:00")),
        False,
        "no grant covers",
    ),
    (
        "prohibition in one license beats permission in another",
        both(WORLD_OK, second_license("L-12", {**prohibition(), "section": "§2"})),
        R(),
        False,
        "prohibited by license L-12 §2",
    ),
    (
        "prohibition limited to FR does not touch US use",
        both(WORLD_OK, second_license("L-12", prohibition(territory_include=["FR"]))),
        R(),
        True,
        "permitted",
    ),
    (
        "prohibition of another action does not block",
        both(WORLD_OK, second_license("L-12", prohibition("ai_train"))),
        R(),
        True,
        "permitted",
    ),
    (
        "listed license, asset not listed",
        world_license(permission(), coverage=Coverage.LISTED, listed=["a2"]),
        R(),
        False,
        "no grant covers",
    ),
    (
        "listed license, asset listed",
        world_license(permission(), coverage=Coverage.LISTED, listed=["a1"]),
        R(),
        True,
        "permitted",
    ),
    (
        "rights-holder license covers the holder's stock",
        world_license(permission(), coverage=Coverage.RIGHTS_HOLDER),
        R(assets=("stock",)),
        True,
        "permitted",
    ),
    (
        "rights-holder license does not cover our dailies",
        world_license(permission(), coverage=Coverage.RIGHTS_HOLDER),
        R(),
        False,
        "no grant covers",
    ),
    (
        "expired license",
        world_license(permission(), status=LicenseStatus.EXPIRED),
        R(),
        False,
        "is expired",
    ),
    (
        "suspended license",
        world_license(permission(), status=LicenseStatus.SUSPENDED),
        R(),
        False,
        "is suspended",
    ),
    (
        "terminated license",
        world_license(permission(), status=LicenseStatus.TERMINATED),
        R(),
        False,
        "is terminated",
    ),
    (
        "draft license",
        world_license(permission(), status=LicenseStatus.DRAFT),
        R(),
        False,
        "is draft",
    ),
    (
        "active license past its end date",
        world_license(permission(), ends=at("2027-01-01T00:00:00+00:00")),
        R(),
        False,
        "expired on 2027-01-01",
    ),
    (
        "license not yet in force",
        world_license(permission(), starts=at("2027-06-01T00:00:00+00:00")),
        R(),
        False,
        "not yet in force",
    ),
    (
        "grant for another production",
        other_production_grant,
        R(),
        False,
        "does not cover this production",
    ),
    ("tainted asset", both(WORLD_OK, status("a1", AssetStatus.TAINTED)), R(), False, "is tainted"),
    (
        "quarantined asset",
        both(WORLD_OK, status("a1", AssetStatus.QUARANTINED)),
        R(),
        False,
        "is quarantined",
    ),
    ("output of licensed footage", WORLD_OK, R(assets=("out1",)), True, "Ancestor asset"),
    (
        "output used in a territory its footage is not licensed for",
        world_license(permission(territory_include=["US"])),
        R(assets=("out1",), territory="FR"),
        False,
        "Ancestor asset",
    ),
    (
        "three generations down, footage licensed",
        WORLD_OK,
        R(assets=("out3",)),
        True,
        "Ancestor asset",
    ),
    (
        "three generations down, footage prohibited",
        both(WORLD_OK, second_license("L-9", prohibition())),
        R(assets=("out3",)),
        False,
        "prohibited by license L-9",
    ),
    (
        "three generations down, tainted footage",
        both(WORLD_OK, status("a1", AssetStatus.TAINTED)),
        R(assets=("out3",)),
        False,
        "is tainted",
    ),
    (
        "person without consent",
        both(WORLD_OK, person_in("maya", "a1")),
        R(),
        False,
        "No consent from Maya",
    ),
    (
        "person with alteration consent",
        both(WORLD_OK, person_in("maya", "a1"), consent("maya")),
        R(),
        True,
        "Consent of Maya for digital_alteration",
    ),
    (
        "consent for alteration is not consent for a replica",
        both(world_license(permission("likeness_use")), person_in("maya", "a1"), consent("maya")),
        R(action="likeness_use"),
        False,
        "No consent from Maya for digital_replica_use",
    ),
    (
        "revoked consent",
        both(
            WORLD_OK,
            person_in("maya", "a1"),
            consent("maya", revoked=at("2026-10-02T09:00:00+00:00")),
        ),
        R(),
        False,
        "revoked on 2026-10-02",
    ),
    (
        "revocation after the date of use",
        both(
            WORLD_OK,
            person_in("maya", "a1"),
            consent("maya", revoked=at("2027-06-01T00:00:00+00:00")),
        ),
        R(),
        True,
        "Consent of Maya",
    ),
    (
        "expired consent",
        both(
            WORLD_OK, person_in("maya", "a1"), consent("maya", ends=at("2027-01-01T00:00:00+00:00"))
        ),
        R(),
        False,
        "expired on 2027-01-01",
    ),
    (
        "consent for other productions only",
        both(
            WORLD_OK,
            person_in("maya", "a1"),
            lambda w: w.consent("c", "maya", productions=[w.other]),
        ),
        R(),
        False,
        "given for other productions",
    ),
    (
        "minor without guardian signature",
        both(WORLD_OK, person_in("leo", "a1"), consent("leo")),
        R(),
        False,
        "Leo is a minor",
    ),
    (
        "minor with guardian signature",
        both(WORLD_OK, person_in("leo", "a1"), consent("leo", guardian=True)),
        R(),
        True,
        "Consent of Leo",
    ),
    (
        "deceased with representative",
        both(WORLD_OK, person_in("old", "a1"), consent("old", representative=True)),
        R(),
        True,
        "Consent of Old",
    ),
    (
        "deceased without representative",
        both(WORLD_OK, person_in("old", "a1"), consent("old")),
        R(),
        False,
        "Old is deceased",
    ),
    (
        "person in the footage behind an output",
        both(WORLD_OK, person_in("maya", "a1")),
        R(assets=("out2",)),
        False,
        "No consent from Maya",
    ),
    (
        "adapter whose footage allows inference",
        both(
            WORLD_OK,
            second_license(
                "L-5", permission("ai_inference"), coverage=Coverage.LISTED, listed=["a2"]
            ),
            adapter_on("a2"),
        ),
        R(adapters=(7,)),
        True,
        "ai_inference permitted by license L-5",
    ),
    (
        "adapter whose footage does not allow inference",
        both(WORLD_OK, adapter_on("a2")),
        R(adapters=(7,)),
        False,
        "no grant covers ai_inference",
    ),
    (
        "adapter footage person without likeness-training consent",
        both(
            WORLD_OK,
            second_license("L-5", permission("ai_inference")),
            adapter_on("a2"),
            person_in("maya", "a2"),
        ),
        R(adapters=(7,)),
        False,
        "No consent from Maya for likeness_training",
    ),
    (
        "tainted adapter",
        both(
            WORLD_OK,
            second_license("L-5", permission("ai_inference")),
            adapter_on("a2", status="tainted"),
        ),
        R(adapters=(7,)),
        False,
        "Adapter 7 (house) is tainted: footage consent revoked",
    ),
    ("unknown adapter", WORLD_OK, R(adapters=(99,)), False, "Adapter 99 does not exist"),
    (
        "viewing needs no consent",
        both(world_license(permission("view")), person_in("maya", "a1")),
        R(action="view"),
        True,
        "view permitted",
    ),
    (
        "an operation can ask for voice consent",
        both(WORLD_OK, person_in("maya", "a1"), consent("maya")),
        R(scopes=("voice",)),
        False,
        "No consent from Maya for voice",
    ),
]


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.parametrize(
    ("setup", "request_kwargs", "allowed", "expected"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_scenario(world, setup, request_kwargs, allowed, expected):
    setup(world)
    kwargs = dict(request_kwargs)
    assets = kwargs.pop("assets", ("a1",))

    decision = evaluate(world.request(*assets, **kwargs))

    messages = [r.message for r in decision.reasons]
    assert decision.allowed is allowed, decision.summary()
    assert any(expected in m for m in messages), decision.summary()


def test_there_are_at_least_forty_scenarios():
    assert len(SCENARIOS) >= 40


def test_an_unknown_asset_is_denied(world):
    WORLD_OK(world)
    request = world.request("a1")
    request = type(request)(**{**request.__dict__, "asset_ids": (999_999,)})

    decision = evaluate(request)

    assert not decision.allowed
    assert decision.blocking[0].code == "unknown_asset"


def test_duties_of_the_grant_relied_on_are_reported(world):
    world.license(
        "L-1", permission(attribution="Footage courtesy of StockCo", notice="Do not crop the logo")
    )

    decision = evaluate(world.request("a1"))

    grant = decision.relied_on[0]
    assert grant.refs["attribution"] == "Footage courtesy of StockCo"
    assert grant.refs["license"] == "L-1"


def _wide_world(world, n):
    """n inputs, each the output of its own footage, 4 people in each, each with its own license."""
    from tests.licensing.world import _asset, _derive

    inputs = []
    for i in range(n):
        footage = _asset(world.production, f"f{i}")
        output = _asset(world.production, f"o{i}", "ai_output")
        _derive(world.production, output, footage, 100 + i)
        world.assets[f"o{i}"] = output
        world.assets[f"f{i}"] = footage
        world.license(f"N-{i}", permission(), coverage=Coverage.LISTED, listed=[f"f{i}"])
        for p in range(4):
            from assets.models import Person

            person = Person.objects.create(name=f"P{i}-{p}")
            person.productions.set([world.production])
            world.people[person.name] = person
            appears(world, person.name, f"f{i}")
            world.consent(f"{person.name}", person.name)
        inputs.append(f"o{i}")
    return inputs


@pytest.mark.parametrize("n", [1, 50])
def test_the_number_of_queries_does_not_grow_with_the_request(
    world, n, django_assert_max_num_queries
):
    inputs = _wide_world(world, n)

    with django_assert_max_num_queries(10):
        decision = evaluate(world.request(*inputs))

    assert decision.allowed, decision.summary()
    assert sum(r.code == "consent" for r in decision.reasons) == 4 * n


def test_use_date_defaults_are_timezone_aware(world):
    assert USE.tzinfo is not None
