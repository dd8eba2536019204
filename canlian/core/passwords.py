"""Password rules for 等保 第三级 身份鉴别 (DOMAIN.md §7.1: ≥ 8 characters, ≥ 3 classes)."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError


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
