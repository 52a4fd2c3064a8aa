import datetime as dt

import factory
import factory.random
from django.contrib.auth import get_user_model
from django.utils import timezone

from studio.models import ApiToken, Membership, Production
from studio.models.tokens import generate_token_key, hash_token_key

factory.random.reseed_random(20261121)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.django.Password("correct horse battery staple")


class ProductionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Production

    code = factory.Sequence(lambda n: f"SHOW{n:03d}")
    name = factory.Faker("catch_phrase")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    production = factory.SubFactory(ProductionFactory)
    role = "coordinator"


def make_token(
    user,
    productions,
    *,
    can_write=False,
    expires_in=dt.timedelta(days=30),
    revoked=False,
    name="test token",
):
    """A token row built directly (the service is tested on its own) and its raw key."""
    raw_key, prefix = generate_token_key()
    token = ApiToken.objects.create(
        name=name,
        user=user,
        key_prefix=prefix,
        key_hash=hash_token_key(raw_key),
        can_write=can_write,
        expires_at=timezone.now() + expires_in,
        revoked_at=timezone.now() if revoked else None,
    )
    token.productions.set(productions)
    return token, raw_key
