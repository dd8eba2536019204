"""Sign-in rules of 等保 第三级 身份鉴别 (DOMAIN.md §7.1; issue #2 §3): lock an account for 15
minutes after 5 failed logins, end idle sessions after 30 minutes, passwords with 3 classes."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.core.models import AuditAction, AuditEvent, User
from canlian.core.tests.factories import TEST_PASSWORD


def _login(client: Client, username: str, password: str) -> str:
    response = client.post(reverse("core:login"), {"username": username, "password": password})
    if response.status_code == 302:
        return "ok"
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def _locked(username: str) -> bool:
    return User.objects.get(username=username).is_locked()


def test_five_failures_lock_the_account_for_15_minutes(personas: dict[str, User],
                                                       client: Client) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(4):
            assert "用户名或密码错误" in _login(client, "leader", "wrong")
            assert not _locked("leader")
        _login(client, "leader", "wrong")  # 5th failure locks
        assert _locked("leader")
        # Even the right password is refused while locked.
        assert "用户名或密码错误" in _login(client, "leader", TEST_PASSWORD)
        assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT).count() == 1
        clock.shift(timedelta(minutes=14))
        assert _login(client, "leader", TEST_PASSWORD) != "ok"
        clock.shift(timedelta(minutes=1, seconds=1))
        assert _login(client, "leader", TEST_PASSWORD) == "ok"
    leader = User.objects.get(username="leader")
    assert leader.failed_login_count == 0 and not leader.is_locked()


def test_a_success_resets_the_failure_count(personas: dict[str, User], client: Client) -> None:
    for _ in range(4):
        _login(client, "leader", "wrong")
    assert _login(client, "leader", TEST_PASSWORD) == "ok"
    client.post(reverse("core:logout"))
    for _ in range(4):
        _login(client, "leader", "wrong")
    assert not _locked("leader")
    assert _login(client, "leader", TEST_PASSWORD) == "ok"


def test_security_admin_unlocks_a_locked_account(personas: dict[str, User],
                                                 client: Client) -> None:
    for _ in range(5):
        _login(client, "leader", "wrong")
    client.force_login(personas["security_admin"])
    page = client.get(reverse("core:security"))
    assert personas["leader"] in list(page.context["locked"])
    client.post(reverse("core:user_unlock", args=[personas["leader"].pk]))
    assert not User.objects.get(username="leader").is_locked()
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK,
                                     actor=personas["security_admin"]).count() == 1
    client.post(reverse("core:logout"))
    assert _login(client, "leader", TEST_PASSWORD) == "ok"


def test_security_admin_of_another_county_cannot_unlock(personas: dict[str, User],
                                                        client: Client) -> None:
    for _ in range(5):
        _login(client, "leader", "wrong")
    client.force_login(personas["other_county_security"])
    response = client.post(reverse("core:user_unlock", args=[personas["leader"].pk]))
    assert response.status_code == 404
    assert User.objects.get(username="leader").is_locked()


def test_idle_session_ends_after_30_minutes(personas: dict[str, User], client: Client) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert _login(client, "leader", TEST_PASSWORD) == "ok"
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("core:home")).status_code == 200  # activity extends it
        clock.shift(timedelta(minutes=29))
        assert client.get(reverse("core:home")).status_code == 200
        clock.shift(timedelta(minutes=31))
        response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))


def test_inactive_account_cannot_sign_in(personas: dict[str, User], client: Client) -> None:
    User.objects.filter(username="leader").update(is_active=False)
    assert "用户名或密码错误" in _login(client, "leader", TEST_PASSWORD)


def test_login_redirects_only_to_local_next(personas: dict[str, User], client: Client) -> None:
    response = client.post(reverse("core:login") + "?next=https://evil.example/",
                           {"username": "leader", "password": TEST_PASSWORD})
    assert response.url == reverse("core:home")


def test_password_change_requires_three_character_classes(personas: dict[str, User],
                                                          client: Client) -> None:
    client.force_login(personas["leader"])
    url = reverse("core:password_change")
    weak = client.post(url, {"old_password": TEST_PASSWORD, "new_password": "abcdefgh123",
                             "new_password_again": "abcdefgh123"})
    assert "三类" in weak.content.decode()
    ok = client.post(url, {"old_password": TEST_PASSWORD, "new_password": "Abcdefgh-123",
                           "new_password_again": "Abcdefgh-123"})
    assert ok.status_code == 302
    assert User.objects.get(username="leader").check_password("Abcdefgh-123")
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_CHANGE).exists()


def test_logout_is_post_only_and_audited(personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["leader"])
    assert client.get(reverse("core:logout")).status_code == 405
    client.post(reverse("core:logout"))
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_empty_login_form_names_the_missing_fields(client: Client, db: object) -> None:
    response = client.post(reverse("core:login"), {"username": "", "password": ""})
    text = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_username"' in text and 'href="#id_password"' in text
