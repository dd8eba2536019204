"""Test personas and shared fixtures (STYLE.md "Tests").

The regions are loaded by migration 0002, so every test database has the demo county.
Personas, by where they sit in 桐梓县 (520322):
- village A and village A2 are villages of 楚米镇 (520322101); village B is in 松坎镇 (520322103);
- `liaison_a` works in village A, `liaison_b` in village B (and must get 404 on A's records);
- `township_officer` is 楚米镇's, so sees villages A and A2 but not B;
- county-level roles sit at 520322000000; `other_county_admin` at 汉阴县 (610921000000).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from canlian.core.models import Region, User
from canlian.core.roles import OTP_REQUIRED_ROLES, Role
from canlian.core.tests.factories import TEST_PASSWORD, UserFactory, otp_enrol

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # sync Playwright + ORM (STACK.md §3)

COUNTY = "520322000000"
TOWNSHIP_A = "520322101000"  # 楚米镇
TOWNSHIP_B = "520322103000"  # 松坎镇
OTHER_COUNTY = "610921000000"  # 汉阴县


def _villages(township_code: str) -> list[str]:
    return list(
        Region.objects.filter(code__startswith=township_code[:9], level="village")
        .order_by("code").values_list("code", flat=True)[:2]
    )


@pytest.fixture
def region_data(db: Any) -> None:
    """The shipped regions: already there, loaded by migration 0002 (e2e overrides this)."""


@pytest.fixture
def regions(region_data: None) -> dict[str, str]:
    a, a2 = _villages(TOWNSHIP_A)
    b = _villages(TOWNSHIP_B)[0]
    return {"county": COUNTY, "township_a": TOWNSHIP_A, "township_b": TOWNSHIP_B,
            "village_a": a, "village_a2": a2, "village_b": b, "other_county": OTHER_COUNTY}


@pytest.fixture
def make_user(region_data: None) -> Callable[..., User]:
    def make(role: str, region_code: str = COUNTY, **kwargs: Any) -> User:
        return UserFactory(role=role, region=Region.objects.get(code=region_code), **kwargs)

    return make


@pytest.fixture
def personas(make_user: Callable[..., User], regions: dict[str, str]) -> dict[str, User]:
    """One user per role inside the county, plus the out-of-jurisdiction twins. The
    administrators have a second factor (required for them, issue #17 §12): sign in through the
    form with `otp_code_for(username)`."""
    found = {
        "county_admin": make_user(Role.COUNTY_ADMIN, COUNTY, username="admin"),
        "security_admin": make_user(Role.SECURITY_ADMIN, COUNTY, username="security"),
        "auditor": make_user(Role.AUDITOR, COUNTY, username="auditor"),
        "county_staff": make_user(Role.COUNTY_STAFF, COUNTY, username="county"),
        # A second county staff account: a review step is taken by another account than the
        # one that recorded the item (不相容岗位分离).
        "county_staff_2": make_user(Role.COUNTY_STAFF, COUNTY, username="county2"),
        "leader": make_user(Role.LEADER, COUNTY, username="leader"),
        "assessor": make_user(Role.ASSESSOR, COUNTY, username="assessor"),
        "township_staff": make_user(Role.TOWNSHIP_STAFF, TOWNSHIP_A, username="chumi"),
        "village_liaison": make_user(Role.VILLAGE_LIAISON, regions["village_a"],
                                     username="liaison_a"),
        "liaison_b": make_user(Role.VILLAGE_LIAISON, regions["village_b"], username="liaison_b"),
        "resident": make_user(Role.RESIDENT, regions["village_a"], username="resident"),
        "volunteer": make_user(Role.VOLUNTEER, regions["village_a"], username="volunteer"),
        "other_county_admin": make_user(Role.COUNTY_ADMIN, OTHER_COUNTY, username="hy_admin"),
        "other_county_auditor": make_user(Role.AUDITOR, OTHER_COUNTY, username="hy_auditor"),
        "other_county_security": make_user(Role.SECURITY_ADMIN, OTHER_COUNTY,
                                           username="hy_security"),
    }
    for user in found.values():
        if user.role in OTP_REQUIRED_ROLES:
            otp_enrol(user)
    return found


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    """Sign a persona in (force_login; the login form itself is tested in test_auth.py)."""

    def as_user(user: User) -> Client:
        client.force_login(user)
        return client

    return as_user


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


__all__ = ["TEST_PASSWORD"]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests of PostgreSQL-only features run in the PostgreSQL pass and are not collected on
    SQLite (deselected, not skipped: `make test` runs both passes)."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    keep = [item for item in items if item.get_closest_marker("postgres_only") is None]
    dropped = [item for item in items if item.get_closest_marker("postgres_only") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture(scope="module")
def _audit_guard_restored(django_db_blocker: Any) -> Iterator[None]:
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("RESET canlian.audit_purge")
        else:
            cursor.execute("DELETE FROM canlian_audit_purge")


@pytest.fixture
def audit_flush_allowed(_audit_guard_restored: None, transactional_db: None) -> Iterator[None]:
    """A transactional test ends with a flush (TRUNCATE; DELETE on SQLite), which the audit
    log's append-only triggers refuse; the sanctioned purge switch (core migrations 0003 and
    0011) is turned on for that flush only and reset when the test module ends."""
    yield
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET canlian.audit_purge = 'on'")
        else:
            cursor.execute("INSERT INTO canlian_audit_purge (enabled) VALUES (1)")
