"""Sign-in throttling without leaks (issue #17 §8; DOMAIN.md §7.1 身份鉴别).

- an unknown, inactive or locked account and a wrong password get one and the same answer,
  and each checks exactly one password hash, so neither the text nor the time tells them apart;
- one client address may fail LOGIN_IP_MAX_FAILURES times per window, whatever the usernames;
- the account's counter is taken under a row lock before the password is checked, so parallel
  attempts check at most LOGIN_MAX_FAILURES passwords.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from canlian.core import services
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.core.tests.factories import TEST_PASSWORD

HASH_SECONDS = 0.05


class SlowCountingHasher(MD5PasswordHasher):
    """The test hasher, made as slow as a real one and counting its checks."""

    checks = 0

    def verify(self, password: str, encoded: str) -> bool:
        type(self).checks += 1
        time.sleep(HASH_SECONDS)
        return super().verify(password, encoded)


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> str:
    response = client.post(reverse("core:login"), {"username": username, "password": password},
                           REMOTE_ADDR=ip)
    if response.status_code == 302:
        return "ok"
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def _lock(username: str) -> None:
    User.objects.filter(username=username).update(
        locked_until=timezone.now() + timedelta(minutes=15), failed_login_count=5)


def test_unknown_inactive_and_locked_accounts_answer_like_a_wrong_password(
        personas: dict[str, User], client: Client) -> None:
    _lock("security")
    User.objects.filter(username="auditor").update(is_active=False)
    answers = {
        "wrong password": _login(client, "leader", "wrong"),
        "unknown": _login(client, "nosuchuser", "wrong"),
        "inactive": _login(client, "auditor", TEST_PASSWORD),
        "locked, right password": _login(client, "security", TEST_PASSWORD),
        "locked, wrong password": _login(client, "security", "wrong"),
    }
    assert len(set(answers.values())) == 1, answers
    assert answers["unknown"] == services.login_refused_message()
    assert "锁定" in answers["unknown"]  # names the possibility, for everyone alike


def test_every_refusal_checks_one_password_hash_and_takes_as_long(
        personas: dict[str, User], client: Client, settings: Any) -> None:
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowCountingHasher"]
    settings.LOGIN_IP_MAX_FAILURES = 3
    _lock("security")
    services._burn_password_check("warm up")  # the dummy hash is made once per process
    paths: dict[str, Callable[[], str]] = {
        "wrong password": lambda: _login(client, "leader", "wrong"),
        "unknown": lambda: _login(client, "nosuchuser", "wrong"),
        "locked": lambda: _login(client, "security", TEST_PASSWORD),
        "address throttled": lambda: _login(client, "leader", TEST_PASSWORD),
    }
    for name, attempt in paths.items():
        SlowCountingHasher.checks = 0
        started = time.perf_counter()
        assert attempt() == services.login_refused_message(), name
        elapsed = time.perf_counter() - started
        assert SlowCountingHasher.checks == 1, name
        assert elapsed >= HASH_SECONDS, name


def test_one_address_is_throttled_whatever_the_usernames(personas: dict[str, User],
                                                         client: Client) -> None:
    """Anyone may not lock everyone: an address stops after 20 failures in 15 minutes, so it
    cannot lock more than four accounts; other addresses are unaffected."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(20):
            _login(client, f"guess{n}", "wrong", ip="10.0.0.9")
        assert _login(client, "leader", TEST_PASSWORD, ip="10.0.0.9") != "ok"
        assert AuditEvent.objects.filter(summary="同一地址登录失败次数过多，暂停尝试").count() == 1
        assert not User.objects.get(username="leader").failed_login_count  # never tried
        assert _login(client, "leader", TEST_PASSWORD, ip="10.0.0.10") == "ok"
        client.post(reverse("core:logout"))
        clock.shift(timedelta(minutes=15, seconds=1))
        assert _login(client, "leader", TEST_PASSWORD, ip="10.0.0.9") == "ok"


def test_a_success_gives_the_address_its_slot_back(personas: dict[str, User],
                                                   client: Client, settings: Any) -> None:
    settings.LOGIN_IP_MAX_FAILURES = 2
    for _ in range(3):  # three sign-ins of staff sharing an office address
        assert _login(client, "leader", TEST_PASSWORD) == "ok"
        client.post(reverse("core:logout"))
    _login(client, "leader", "wrong")
    assert _login(client, "leader", TEST_PASSWORD) == "ok"


def test_security_admin_unlock_is_the_trusted_path_for_a_locked_account(
        personas: dict[str, User], client: Client) -> None:
    for _ in range(5):
        _login(client, "leader", "wrong", ip="10.9.9.9")
    assert _login(client, "leader", TEST_PASSWORD) != "ok"
    services.user_unlock(actor=personas["security_admin"], user=User.objects.get(
        username="leader"))
    assert _login(client, "leader", TEST_PASSWORD) == "ok"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_forty_parallel_attempts_check_at_most_five_passwords(
        personas: dict[str, User], audit_flush_allowed: None) -> None:
    """Issue #17 §8 measured 7 passwords checked out of 40 parallel attempts; the counter is
    taken under a row lock before the check, so it is exactly the limit."""
    factory = RequestFactory()
    barrier = threading.Barrier(40)
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        try:
            request = factory.post("/login/", REMOTE_ADDR=f"10.1.{n // 200}.{n % 200 + 1}")
            request.session = SessionStore()
            barrier.wait()
            services.login_attempt(request=request, username="leader", password=f"wrong{n}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    checked = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED,
                                        summary="用户名或密码错误").count()
    assert checked == 5
    assert User.objects.get(username="leader").is_locked()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT).count() == 1
