"""API tokens end (issue #17 §7): the 安全管理员 lists and revokes them (page and command),
they expire (90 days by default), they stop while the account is locked or inactive, and a
password change ends every token of the account. Each step is audited."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.core import services
from canlian.core.models import ApiToken, AuditAction, AuditEvent, User
from canlian.core.tests.factories import TEST_PASSWORD


def _issue(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("issue_token", username, *args, stdout=out)
    return out.getvalue().strip()


def _status(client: Client, token: str) -> int:
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_security_admin_lists_and_revokes_a_token_on_the_security_page(
        personas: dict[str, User], client: Client) -> None:
    token = _issue("chumi")
    outsider = _issue("hy_admin")
    assert _status(client, token) == 200
    client.force_login(personas["security_admin"])
    page = client.get(reverse("core:security"))
    listed = [t.prefix for t, _ in page.context["tokens"]]
    mine = ApiToken.objects.get(user=personas["township_staff"])
    assert listed == [mine.prefix]  # the other county's token is not listed
    assert outsider.split("_")[1] not in page.content.decode()
    response = client.post(reverse("core:token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    client.logout()
    assert _status(client, token) == 401
    mine.refresh_from_db()
    assert mine.revoked_at is not None and mine.revoked_by == "security"
    row = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert row.actor == personas["security_admin"] and row.changes == {"prefix": mine.prefix}
    assert _status(client, outsider) == 200


def test_revoking_twice_changes_nothing(personas: dict[str, User]) -> None:
    _issue("chumi")
    token = ApiToken.objects.get()
    assert services.api_token_revoke(actor=personas["security_admin"], token=token)
    assert not services.api_token_revoke(actor=personas["security_admin"], token=token)
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_security_admin_of_another_county_gets_404_on_revoke(personas: dict[str, User],
                                                            client: Client) -> None:
    _issue("chumi")
    token = ApiToken.objects.get()
    client.force_login(personas["other_county_security"])
    assert client.post(reverse("core:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_only_the_security_admin_may_revoke(personas: dict[str, User]) -> None:
    _issue("chumi")
    token = ApiToken.objects.get()
    with pytest.raises(services.DomainError):
        services.api_token_revoke(actor=personas["county_admin"], token=token)


def test_commands_list_and_revoke_tokens(personas: dict[str, User], client: Client) -> None:
    first, second = _issue("chumi"), _issue("leader")
    out = io.StringIO()
    call_command("list_tokens", stdout=out)
    listing = out.getvalue()
    assert first.split("_")[1] in listing and second.split("_")[1] in listing
    assert first.split("_", 2)[2] not in listing  # never the secret
    call_command("revoke_token", first.split("_")[1], stdout=io.StringIO())
    assert _status(client, first) == 401 and _status(client, second) == 200
    call_command("revoke_token", "--user", "leader", stdout=io.StringIO())
    assert _status(client, second) == 401
    rows = AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED)
    assert rows.count() == 2 and {r.actor_username for r in rows} == {"manage.py"}
    out = io.StringIO()
    call_command("list_tokens", "--user", "chumi", stdout=out)
    assert "已吊销" in out.getvalue()
    with pytest.raises(CommandError, match="没有前缀为"):
        call_command("revoke_token", "nosuch")


def test_tokens_expire_after_90_days_by_default(personas: dict[str, User],
                                               client: Client) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = _issue("chumi")
        short = _issue("leader", "--days", "7")
        assert ApiToken.objects.get(user__username="chumi").expires_at == (
            timezone.now() + timedelta(days=90))
        clock.shift(timedelta(days=8))
        assert _status(client, token) == 200 and _status(client, short) == 401
        clock.shift(timedelta(days=82))
        assert _status(client, token) == 401
    with pytest.raises(CommandError, match="1 至 366"):
        _issue("chumi", "--days", "0")


def test_token_refused_while_the_account_is_locked_or_inactive(personas: dict[str, User],
                                                              client: Client) -> None:
    token = _issue("chumi")
    User.objects.filter(username="chumi").update(
        locked_until=timezone.now() + timedelta(minutes=15))
    assert _status(client, token) == 401
    User.objects.filter(username="chumi").update(locked_until=None)
    assert _status(client, token) == 200
    User.objects.filter(username="chumi").update(is_active=False)
    assert _status(client, token) == 401


def test_password_change_ends_every_token(personas: dict[str, User], client: Client) -> None:
    token = _issue("chumi")
    client.force_login(personas["township_staff"])
    response = client.post(reverse("core:password_change"), {
        "old_password": TEST_PASSWORD, "new_password": "Xq-7v!Lw93kp",
        "new_password_again": "Xq-7v!Lw93kp"})
    assert response.status_code == 302
    client.logout()
    assert _status(client, token) == 401
    assert ApiToken.objects.get().revoke_reason == "修改密码"
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_a_password_set_outside_the_services_ends_tokens_too(personas: dict[str, User],
                                                            client: Client) -> None:
    """`manage.py changepassword` writes the hash directly: the token carries a fingerprint of
    the password it was issued under, so it stops all the same."""
    token = _issue("chumi")
    user = personas["township_staff"]
    user.set_password("Another-Pass-2026")
    user.save()
    assert _status(client, token) == 401
