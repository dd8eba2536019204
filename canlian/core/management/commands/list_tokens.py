"""manage.py list_tokens [--user USERNAME] — API tokens with their state (never the secret)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from canlian.core.models import ApiToken


class Command(BaseCommand):
    help = "列出接口令牌：前缀、账户、签发与到期时间、最近使用、状态（不显示令牌本身）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", dest="username", default="", help="只列出该账户的令牌")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
        if username:
            tokens = tokens.filter(user__username=username)
        now = timezone.now()

        def when(value: Any) -> str:
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"

        self.stdout.write("前缀\t账户\t签发时间\t到期时间\t最近使用\t状态")
        for t in tokens:
            self.stdout.write(
                f"{t.prefix}\t{t.user.username}\t{when(t.created_at)}\t{when(t.expires_at)}\t"
                f"{when(t.last_used_at)}\t{t.status(now).label}"
            )
