"""The scope an API token's request reads with the token (``studio.api.authentication.find_token``) is the
scope the subqueries give, for every kind of token and action, and it narrows real requests."""

import pytest
from django.db import connection

from studio.api.authentication import find_token
from studio.choices import ScopeAction
from studio.models import ApiToken, Production
from studio.models.tokens import hash_token_key
from studio.scoping import allowed_production_ids
from tests.factories import MembershipFactory, ProductionFactory, UserFactory, make_token

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scope is read with the token on PostgreSQL"
)


def _ids(token, action):
    """The production ids ``allowed_production_ids`` names, as a sorted list (None: all)."""
    ids = allowed_production_ids(token, action)
    if ids is None or isinstance(ids, list):
        return ids
    return sorted(Production.objects.filter(pk__in=ids).values_list("pk", flat=True))


@pytest.fixture
def world(db):
    productions = [ProductionFactory(code=f"P{i}") for i in range(4)]
    person = UserFactory()
    roles = ["viewer", "coordinator", "legal", "integration"]
    for production, role in zip(productions, roles, strict=True):
        MembershipFactory(user=person, production=production, role=role)
    root = UserFactory(is_superuser=True, is_staff=True)
    outsider = UserFactory()
    return productions, person, root, outsider


@pytest.mark.parametrize("action", list(ScopeAction))
@pytest.mark.parametrize("can_write", [False, True])
@pytest.mark.parametrize("who", ["person", "root", "outsider"])
def test_the_loaded_scope_is_the_subqueries_scope(world, action, can_write, who):
    productions, person, root, outsider = world
    user = {"person": person, "root": root, "outsider": outsider}[who]
    # The token reaches three of the four productions, one of them where the person is no member.
    extra = ProductionFactory(code="EXTRA")
    # Built directly: a token outlives role changes, so it may name productions its user has
    # since lost (the service refuses such a token at creation).
    token, key = make_token(
        user, [productions[0], productions[1], productions[2], extra], can_write=can_write
    )
    plain = ApiToken.objects.select_related("user").get(pk=token.pk)
    loaded = find_token(hash_token_key(key))

    expected = _ids(plain, action)
    assert not isinstance(allowed_production_ids(plain, action), list)
    assert _ids(loaded, action) == expected
    if who == "person" and can_write and action == ScopeAction.LEGAL:
        assert expected == [productions[2].pk]  # legal on P2 only; P3 is outside the token


def test_a_token_request_reads_its_scope_with_the_token_and_sees_only_its_productions(
    world, token_client, django_assert_max_num_queries
):
    productions, person, _root, _outsider = world
    client = token_client(person, [productions[0]])
    client.get("/api/v1/productions/")  # the first use is stamped; later ones within the minute not

    with django_assert_max_num_queries(2):  # the token (with its scope), the page
        response = client.get("/api/v1/productions/")

    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == ["P0"]


@pytest.mark.parametrize("who", ["person", "root"])
def test_the_authentication_lookup_reads_the_token_user_and_scope_the_orm_reads(world, who):
    productions, person, root, _outsider = world
    user = {"person": person, "root": root}[who]
    token, key = make_token(user, productions[:3], can_write=True)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.created_at)

    found = find_token(hash_token_key(key))
    orm = ApiToken.objects.select_related("user").get(pk=token.pk)  # its scope from subqueries

    assert isinstance(found, ApiToken)
    assert found._state.adding is False
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(orm, field.attname), field.name
    assert found.last_used_at is not None
    assert found.expires_at.tzinfo is not None
    for field in type(user)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(orm.user, field.attname), field.name
    for action in ScopeAction:
        assert _ids(found, action) == _ids(orm, action)
    assert find_token(hash_token_key(key + "x")) is None


def test_the_authentication_lookup_is_one_query(world, django_assert_num_queries):
    _productions, person, _root, _outsider = world
    _token, key = make_token(person, world[0][:2])
    with django_assert_num_queries(1):
        found = find_token(hash_token_key(key))
        assert found.user.is_active
        assert _ids(found, ScopeAction.VIEW) == sorted(p.pk for p in world[0][:2])


@pytest.mark.parametrize("action", [ScopeAction.VIEW, ScopeAction.CHANGE, ScopeAction.LEGAL])
@pytest.mark.parametrize(
    "who", ["token", "read-only token", "person", "root", "outsider", "system", "anonymous"]
)
def test_pks_in_scope_names_the_rows_restrict_lists(world, action, who):
    from django.contrib.auth.models import AnonymousUser

    from assets.models import Asset
    from studio.actors import SystemActor
    from studio.scoping import pks_in_scope

    productions, person, root, outsider = world
    assets = [
        Asset.objects.create(
            production=production,
            sha256=f"{n:064x}",
            kind="video",
            mime_type="video/mp4",
            size=n,
            storage_key=f"originals/{n:064x}",
            original_filename=f"clip-{n}.mp4",
        )
        for n, production in enumerate(productions * 2, start=1)
    ]
    principal = {
        "person": person,
        "root": root,
        "outsider": outsider,
        "system": SystemActor("cli:test"),
        "anonymous": AnonymousUser(),
    }.get(who)
    if principal is None:
        _token, key = make_token(person, productions[:3], can_write=who == "token")
        principal = find_token(hash_token_key(key))  # the scope read with the token, as the API
    wanted = [a.pk for a in assets[1:]] + [10**12]  # one asset left out, one id that is none

    expected = set(Asset.objects.restrict(principal, action).values_list("pk", flat=True))
    assert set(pks_in_scope(Asset, principal, action, field="pk", values=wanted)) == (
        expected & set(wanted)
    )
    codes = [p.code for p in productions] + ["NOPE"]
    expected_codes = set(
        Production.objects.restrict(principal, action).values_list("pk", flat=True)
    )
    assert set(pks_in_scope(Production, principal, action, field="code", values=codes)) == (
        expected_codes
    )
    assert pks_in_scope(Asset, principal, action, field="pk", values=[]) == []
