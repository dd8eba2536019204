"""`manage.py createsuperuser` is refused: a Canlian account needs a role and a region (an
account without a region broke with IntegrityError, region NOT NULL), and no account is a
Django superuser. The message points to add_user (issue 17 §11)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "本系统不使用超级用户；请用 manage.py add_user 新建带角色和区划的账户。"

    def add_arguments(self, parser: CommandParser) -> None:
        # Accept (and ignore) Django's own options, so scripts get the message, not a usage error.
        parser.add_argument("args", nargs="*")
        for option in ("--username", "--email", "--database"):
            parser.add_argument(option)
        parser.add_argument("--noinput", "--no-input", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(
            "本系统不使用超级用户：每个账户都须有角色和所属区划。请改用\n"
            "  echo 初始密码 | python manage.py add_user 用户名 --role county_admin "
            "--region 县级区划代码 --name 姓名 --password-stdin\n"
            "新县部署的完整步骤见 README “为新县部署”。")
