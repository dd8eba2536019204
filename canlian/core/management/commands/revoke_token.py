"""manage.py revoke_token PREFIX… | --user USERNAME — revoke API tokens (audited)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.models import ApiToken, User
from canlian.core.services import api_token_revoke, api_tokens_revoke_for_user


class Command(BaseCommand):
    help = "吊销接口令牌：按前缀（可多个），或用 --user 吊销某账户的全部令牌。记入审计日志。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefixes", nargs="*", help="令牌前缀（manage.py list_tokens 可查）")
        parser.add_argument("--user", dest="username", default="",
                            help="吊销该账户的全部令牌")
        parser.add_argument("--reason", default="服务器命令吊销", help="吊销原因（记入审计日志）")

    def handle(self, *args: Any, prefixes: list[str], username: str, reason: str,
               **options: Any) -> None:
        if not prefixes and not username:
            raise CommandError("请给出令牌前缀，或用 --user 指定账户。")
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"没有名为 {username} 的账户。")
            count = api_tokens_revoke_for_user(actor=None, user=user, reason=reason)
            self.stdout.write(f"已吊销账户 {username} 的 {count} 个接口令牌。")
        for prefix in prefixes:
            token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
            if token is None:
                raise CommandError(f"没有前缀为 {prefix} 的接口令牌。")
            if api_token_revoke(actor=None, token=token, reason=reason):
                self.stdout.write(f"已吊销接口令牌 {prefix}（账户 {token.user.username}）。")
            else:
                self.stdout.write(f"接口令牌 {prefix} 此前已吊销，未作改动。")
