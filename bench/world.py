"""Seeded rights databases: the pieces the gate and HTTP benchmarks build their worlds from
(assets, licenses listing them with an ``ai_edit`` grant, people with a consent each), and the HTTP
benchmarks' own world (``load``, ``api_list``) with an integration token for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from assets.models import Appearance, Asset, Person
from bench.harness import bulk_insert
from licensing.choices import ConsentScope, Coverage, LicenseStatus
from licensing.models import Consent, Grant, License, LicensedAsset, Party
from studio.choices import Role
from studio.models import Membership, Production
from studio.services import api_token_create

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PRODUCTION = "LOADTEST"


@dataclass
class Seeded:
    token: str
    asset_ids: list[int]
    people_assets: list[int]  # assets in which people appear (consents are checked for them)


ASSETS = 20_000
LEAST_ASSETS = 4_000  # api_list walks 40 cursor pages of 100
_SEEDED: list[Seeded] = []


def seed(*, scale: float) -> Seeded:
    """The HTTP benchmarks' world: ``ASSETS`` assets at scale 1, never fewer than ``LEAST_ASSETS``;
    made once per run and shared by the benchmarks that use it (``load``, ``api_list``)."""
    if not _SEEDED:
        _SEEDED.append(_seed(assets=max(int(ASSETS * scale), LEAST_ASSETS)))
    return _SEEDED[0]


def video_assets(production, count: int, *, derived: bool = False) -> list[int]:
    """``count`` video assets of the production, as ingest records them (with a thumbnail and a
    proxy when ``derived``); their ids, in order."""
    bulk_insert(
        Asset,
        [
            Asset(
                production=production,
                sha256=f"{i:064x}",
                kind="video",
                mime_type="video/mp4",
                size=10_000_000 + i,
                storage_key=f"originals/{i:064x}",
                thumbnail_key=f"derived/{i:064x}/thumb.jpg" if derived else "",
                proxy_key=f"derived/{i:064x}/proxy.mp4" if derived else "",
                original_filename=f"A{i:05d}.mp4",
                origin="dailies",
                ingested_by="bench",
                technical={"streams": 2, "container": "mp4"},
            )
            for i in range(count)
        ],
    )
    return ids(Asset, production)


def ids(model, production: Production) -> list[int]:
    """The production's rows of ``model``, in the order they were made."""
    return list(
        model.objects.filter(production=production).order_by("pk").values_list("pk", flat=True)
    )


def listed_licenses(production, party, asset_ids: list[int], count: int, prefix: str) -> list[int]:
    """``count`` active licenses that list the assets between them (round robin), each with an
    ``ai_edit`` grant for the world."""
    bulk_insert(
        License,
        [
            License(
                production=production,
                reference=f"{prefix}-{i}",
                title=prefix,
                licensor=party,
                licensee=party,
                status=LicenseStatus.ACTIVE,
                starts_at=START,
                coverage=Coverage.LISTED,
            )
            for i in range(count)
        ],
    )
    license_ids = ids(License, production)
    bulk_insert(
        Grant,
        [Grant(license_id=i, action="ai_edit", territory_include=["WORLD"]) for i in license_ids],
    )
    bulk_insert(
        LicensedAsset,
        [
            LicensedAsset(license_id=license_ids[i % count], asset_id=a)
            for i, a in enumerate(asset_ids)
        ],
    )
    return license_ids


def consenting_people(production, count: int) -> list[int]:
    """``count`` people of the production, each with a consent to digital alteration for it."""
    prefix = f"{production.code}-P"  # other benchmarks of the same run have people of their own
    bulk_insert(Person, [Person(name=f"{prefix}{i}") for i in range(count)])
    people = list(
        Person.objects.filter(name__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )
    bulk_insert(
        Person.productions.through,
        [Person.productions.through(person_id=p, production_id=production.pk) for p in people],
    )
    bulk_insert(
        Consent,
        [
            Consent(
                person_id=p,
                scope=ConsentScope.DIGITAL_ALTERATION,
                description="bench",
                valid_from=START,
                signed_by="bench",
                signed_at=START,
            )
            for p in people
        ],
    )
    consents = Consent.objects.filter(person__in=people).values_list("pk", flat=True)
    bulk_insert(
        Consent.productions.through,
        [Consent.productions.through(consent_id=c, production_id=production.pk) for c in consents],
    )
    return people


def _seed(*, assets: int) -> Seeded:
    """A production with ``assets`` video assets (thumbnails and proxies recorded), one license per
    ten assets with an ``ai_edit`` grant, a person in every fifth asset with a consent, and an
    integration token for a member of the production."""
    with transaction.atomic():
        production = Production.objects.create(code=PRODUCTION, name="Load test")
        party = Party.objects.create(name="Load party")
        asset_ids = video_assets(production, assets, derived=True)
        listed_licenses(production, party, asset_ids, max(1, assets // 10), "LD")
        people_assets = asset_ids[::5]
        people = consenting_people(production, len(people_assets))
        bulk_insert(
            Appearance,
            [
                Appearance(person_id=p, asset_id=a)
                for p, a in zip(people, people_assets, strict=True)
            ],
        )
        users = get_user_model().objects
        admin = users.create_superuser(username="bench-admin", password=None, email="")
        user = users.create_user(username="mam", password=None)
        Membership.objects.create(user=user, production=production, role=Role.INTEGRATION)
        _token, raw_key = api_token_create(
            actor=admin, user=user, name="load", productions=[production], can_write=True
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them in service
    return Seeded(raw_key, asset_ids, people_assets)
