"""Gate scenarios about lineage, people and adapters: outputs, consents, minors, adapters."""

from assets.choices import AssetStatus
from licensing.choices import Coverage
from tests.licensing.scenarios import (
    WORLD_OK,
    R,
    adapter_on,
    both,
    consent,
    person_in,
    second_license,
    status,
    world_license,
)
from tests.licensing.world import at, permission, prohibition

LINEAGE_AND_PEOPLE_SCENARIOS = [
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
