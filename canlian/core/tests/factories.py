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


# A fixed TOTP secret for test accounts with a second factor (issue #17 §12).
TEST_OTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def otp_enrol(user: User) -> None:
    """Give `user` a confirmed authenticator with TEST_OTP_SECRET (admin personas have one)."""
    from django.utils import timezone

    from canlian.core.models import TotpDevice

    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": TEST_OTP_SECRET, "confirmed_at": timezone.now()})


def otp_code_for(username: str) -> str | None:
    """A code the account's authenticator would show and the server has not used yet (a code
    is accepted once), or None if it has no second factor. For the browser tests' sign-in."""
    import time

    import pyotp

    from canlian.core.models import TotpDevice

    device = TotpDevice.objects.filter(user__username=username,
                                       confirmed_at__isnull=False).first()
    if device is None:
        return None
    totp, now = pyotp.TOTP(device.secret), time.time()
    for offset in (0, 1):
        if totp.timecode(now + offset * 30) > device.last_step:  # type: ignore[arg-type]
            return totp.at(now + offset * 30)
    time.sleep(30)
    return totp.now()
