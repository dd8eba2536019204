"""manage.py issue_token USERNAME — print a new API bearer token for that user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.models import User
from canlian.core.services import api_token_issue


class Command(BaseCommand):
    help = "为用户签发接口令牌（只显示一次，请妥善保存）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的有效账户。")
        self.stdout.write(api_token_issue(user=user))
