"""manage.py issue_token USERNAME [--days N] — print a new API bearer token for that user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.services import api_token_issue


class Command(BaseCommand):
    help = "为用户签发接口令牌（只显示一次，请妥善保存；默认 90 天后到期）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None,
                            help="有效天数（1–366，默认 CANLIAN_API_TOKEN_DAYS 或 90）")

    def handle(self, *args: Any, username: str, days: int | None, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有名为 {username} 的有效账户。")
        try:
            self.stdout.write(api_token_issue(user=user, days=days))
        except DomainError as error:
            raise CommandError(error.message) from error
