"""Password rules for 等保 第三级 身份鉴别 (DOMAIN.md §7.1: ≥ 8 characters, ≥ 3 classes;
issue #17 §10: not the username nor the name's pinyin). Every message is Chinese whatever the
active language: Django's validators are subclassed with their messages written here."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth import password_validation as django_validators
from django.core.exceptions import ValidationError
from pypinyin import Style, lazy_pinyin


class CharacterClassValidator:
    """At least three of: upper-case letters, lower-case letters, digits, other characters."""

    min_classes = 3

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c in string.ascii_uppercase for c in password),
            any(c in string.ascii_lowercase for c in password),
            any(c in string.digits for c in password),
            any(not c.isascii() or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                "密码须至少包含大写字母、小写字母、数字、符号中的三类。", code="password_classes"
            )

    def get_help_text(self) -> str:
        return "密码至少 8 位，且包含大写字母、小写字母、数字、符号中的至少三类。"


class MinimumLengthValidator(django_validators.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self) -> str:
        return f"密码至少 {self.min_length} 个字符。"


class CommonPasswordValidator(django_validators.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "这个密码过于常见，容易被猜中，请换一个。"

    def get_help_text(self) -> str:
        return "不能使用常见密码。"


class UserAttributeSimilarityValidator(django_validators.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return "密码与用户名、姓名等账户信息太相似，请换一个。"

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名等账户信息相似。"


def _name_pinyin(name: str) -> list[str]:
    """The name's pinyin, whole and given name alone (王建国: wangjianguo, jianguo)."""
    name = "".join(c for c in name if not c.isspace())
    if not name or name.isascii():
        return []
    whole = "".join(lazy_pinyin(name, style=Style.NORMAL)).lower()
    given = "".join(lazy_pinyin(name[1:], style=Style.NORMAL)).lower() if len(name) > 2 else ""
    return [p for p in (whole, given) if len(p) >= 4 and p.isascii() and p.isalpha()]


class PersonalInfoValidator:
    """The password may not contain the username or the pinyin of the account's name."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        lowered = password.lower()
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in lowered:
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")
        if any(p in lowered for p in _name_pinyin(getattr(user, "name", "") or "")):
            raise ValidationError("密码不能包含姓名的拼音。", code="password_contains_name")

    def get_help_text(self) -> str:
        return "密码不能包含用户名或姓名的拼音。"
