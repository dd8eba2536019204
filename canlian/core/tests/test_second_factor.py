"""The second factor (issue #17 §12; DOMAIN.md §7.1 身份鉴别 双因素): TOTP required for the
系统管理员, 安全管理员 and 审计管理员, optional for other staff; enrolment with a QR code and
the secret as text; single-use hashed recovery codes; the 安全管理员 resets a lost one; a
locked account still signs in with password and code. Every step audited."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.core.models import AuditAction, AuditEvent, RecoveryCode, TotpDevice, User
from canlian.core.roles import Role
from canlian.core.tests.factories import TEST_OTP_SECRET, TEST_PASSWORD, UserFactory, otp_code_for


def _login(client: Client, username: str, password: str = TEST_PASSWORD, otp: str = "") -> str:
    response = client.post(reverse("core:login"),
                           {"username": username, "password": password, "otp": otp})
    if response.status_code == 302:
        return response.url
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def _signed_in(client: Client) -> bool:
    return client.get(reverse("core:home")).status_code == 200


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset * 30)


def test_an_administrator_without_a_factor_enrols_at_sign_in(regions: dict[str, str],
                                                             client: Client) -> None:
    UserFactory(username="newadmin", role=Role.COUNTY_ADMIN)
    assert _login(client, "newadmin") == reverse("core:otp_enrol")
    assert not _signed_in(client)  # the password alone signs nobody in
    page = client.get(reverse("core:otp_enrol")).content.decode()
    device = TotpDevice.objects.get(user__username="newadmin")
    assert "<svg" in page and "<title>" in page  # inline QR code with a text alternative
    assert device.secret[:4] in page  # the secret as text, for those who cannot scan
    wrong = client.post(reverse("core:otp_enrol"), {"code": "000000"})
    assert "动态验证码不正确" in wrong.content.decode() and not _signed_in(client)
    shown = client.post(reverse("core:otp_enrol"), {"code": _code(device.secret)})
    codes = shown.context["codes"]
    assert len(codes) == 10 and _signed_in(client)
    stored = list(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert AuditEvent.objects.filter(action=AuditAction.OTP_ENROL).count() == 1


def test_an_enrolled_account_gives_the_code_after_the_password(personas: dict[str, User],
                                                               client: Client) -> None:
    assert _login(client, "security") == reverse("core:login_otp")
    assert not _signed_in(client)
    wrong = client.post(reverse("core:login_otp"), {"code": "123456"})
    assert "不正确" in wrong.content.decode()
    code = _code(TEST_OTP_SECRET)
    assert client.post(reverse("core:login_otp"), {"code": code}).url == reverse("core:home")
    assert _signed_in(client)
    client.post(reverse("core:logout"))
    _login(client, "security")
    client.post(reverse("core:login_otp"), {"code": code})  # the same code again: replay
    assert not _signed_in(client)


def test_password_and_code_together_sign_in_in_one_step(personas: dict[str, User],
                                                        client: Client) -> None:
    assert _login(client, "auditor", otp=otp_code_for("auditor") or "") == reverse("core:home")
    client.post(reverse("core:logout"))
    assert _login(client, "auditor", otp="999999") == _login(client, "nosuch")  # one answer


def test_a_recovery_code_works_once(regions: dict[str, str], client: Client) -> None:
    UserFactory(username="newadmin", role=Role.AUDITOR)
    _login(client, "newadmin")
    client.get(reverse("core:otp_enrol"))
    device = TotpDevice.objects.get()
    codes = client.post(reverse("core:otp_enrol"), {"code": _code(device.secret)}
                        ).context["codes"]
    client.post(reverse("core:logout"))
    _login(client, "newadmin")
    client.post(reverse("core:login_otp"), {"code": codes[3]})
    assert _signed_in(client)
    assert AuditEvent.objects.filter(action=AuditAction.OTP_RECOVERY).count() == 1
    client.post(reverse("core:logout"))
    _login(client, "newadmin")
    client.post(reverse("core:login_otp"), {"code": codes[3]})
    assert not _signed_in(client)


def test_a_locked_account_signs_in_with_password_and_code(personas: dict[str, User],
                                                          client: Client) -> None:
    """Anyone can lock `security` with five guesses (issue #17 §8); the second factor is the
    trusted path that still lets its owner in."""
    User.objects.filter(username="security").update(
        locked_until=timezone.now() + timedelta(minutes=15), failed_login_count=5)
    assert _login(client, "security") != reverse("core:login_otp")  # password alone: refused
    assert _login(client, "security", otp=_code(TEST_OTP_SECRET)) == reverse("core:home")
    assert not User.objects.get(username="security").is_locked()


def test_five_wrong_codes_lock_the_account(personas: dict[str, User], client: Client) -> None:
    _login(client, "security")
    for _ in range(5):
        client.post(reverse("core:login_otp"), {"code": "000000"})
    assert User.objects.get(username="security").is_locked()


def test_a_right_password_with_the_code_step_left_unfinished_is_no_failure(
        personas: dict[str, User], client: Client) -> None:
    for _ in range(6):
        assert _login(client, "security") == reverse("core:login_otp")
    assert not User.objects.get(username="security").is_locked()
    assert User.objects.get(username="security").failed_login_count == 0


def test_other_staff_may_enrol_by_choice(personas: dict[str, User], client: Client) -> None:
    assert _login(client, "leader") == reverse("core:home")  # optional: not required
    page = client.get(reverse("core:otp_enrol"))
    assert page.status_code == 200 and not page.context["required"]
    device = TotpDevice.objects.get(user__username="leader")
    client.post(reverse("core:otp_enrol"), {"code": _code(device.secret)})
    client.post(reverse("core:logout"))
    assert _login(client, "leader") == reverse("core:login_otp")


def test_security_admin_resets_a_lost_factor(personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["other_county_security"])
    client.post(reverse("core:otp_reset"), {"username": "auditor"})
    assert TotpDevice.objects.filter(user__username="auditor").exists()  # outside: untouched
    client.force_login(personas["security_admin"])
    client.post(reverse("core:otp_reset"), {"username": "security"})  # not one's own
    assert TotpDevice.objects.filter(user__username="security").exists()
    client.post(reverse("core:otp_reset"), {"username": "auditor"})
    assert not TotpDevice.objects.filter(user__username="auditor").exists()
    row = AuditEvent.objects.get(action=AuditAction.OTP_RESET)
    assert row.actor == personas["security_admin"]
    client.logout()
    assert _login(client, "auditor") == reverse("core:otp_enrol")  # enrols again
