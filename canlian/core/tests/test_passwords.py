"""Password rules (DOMAIN.md §7.1 身份鉴别; issue #17 §10): not the current password, not the
username nor the pinyin of the name, and every message Chinese whatever the language."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from canlian.core import services
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.tests.factories import TEST_PASSWORD


def _messages(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def test_a_password_may_not_contain_the_username_or_the_name_pinyin(db: None) -> None:
    user = User(username="chumi", name="王建国")
    assert _messages("Chumi-2026-x", user) == ["密码不能包含用户名。"]
    assert "密码不能包含姓名的拼音。" in _messages("WangJianGuo#88", user)
    assert "密码不能包含姓名的拼音。" in _messages("Jianguo#2026q", user)
    assert _messages("Kx9-Vault!Ch", user) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_password_message_is_chinese_whatever_the_language(language: str,
                                                                 db: None) -> None:
    user = User(username="liaison_a", name="李小红")
    bad = ["Ab1!", "password", "12345678", "abcdefgh", "liaison_a-X1", "Lixiaohong-1",
           "liaison_a1"]
    with translation.override(language):
        found = [m for p in bad for m in _messages(p, user)]
    assert found
    for message in found:
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert not re.search(r"[A-Za-z]{4,}", message), message  # no English sentence


def test_password_change_refuses_the_current_password(personas: dict[str, User],
                                                      client: Client) -> None:
    client.force_login(personas["leader"])
    response = client.post(reverse("core:password_change"), {
        "old_password": TEST_PASSWORD, "new_password": TEST_PASSWORD,
        "new_password_again": TEST_PASSWORD})
    assert response.status_code == 200
    assert "新密码不能与当前密码相同" in response.content.decode()


def test_admin_reset_refuses_the_current_password(personas: dict[str, User]) -> None:
    with pytest.raises(DomainError, match="不能与当前密码相同"):
        services.user_reset_password(actor=personas["county_admin"], user=personas["leader"],
                                     password=TEST_PASSWORD)
