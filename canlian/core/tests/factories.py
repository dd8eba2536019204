"""factory_boy factories for core models."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password

from canlian.core.models import Region, User
from canlian.core.roles import Role

TEST_PASSWORD = "Test@2026pw"
_HASHED: dict[str, str] = {}


def _password() -> str:
    # Hash once per run: the test hasher is fast, but thousands of users add up.
    if TEST_PASSWORD not in _HASHED:
        _HASHED[TEST_PASSWORD] = make_password(TEST_PASSWORD)
    return _HASHED[TEST_PASSWORD]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    role = Role.COUNTY_STAFF
    region = factory.LazyFunction(lambda: Region.objects.get(code="520322000000"))
    password = factory.LazyFunction(_password)
