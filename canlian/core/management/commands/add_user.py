"""manage.py add_user USERNAME --role ROLE --region CODE --name NAME --password-stdin — create an
account from the server, e.g. a new county's first 系统管理员 on an empty database (issue 17 §11).

The password is read from standard input (never from the command line, where `ps` and the shell
history would keep it) and checked by the same rules as every password (validate_password).
Nothing secret is printed. The account must change the password at its first sign-in, so whoever
typed it does not keep a working password; created through core.services.user_create_on_server,
audited as `manage.py`.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canlian.core.errors import DomainError
from canlian.core.models import Region
from canlian.core.roles import Role
from canlian.core.services import user_create_on_server


class Command(BaseCommand):
    help = ("在服务器上新建账户（新县部署时的第一个系统管理员等）。密码从标准输入读取："
            "echo 密码 | manage.py add_user 用户名 --role county_admin --region 区划代码 "
            "--name 姓名 --password-stdin")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values,
                            help="角色：" + "、".join(f"{v}（{label}）" for v, label in
                                                    Role.choices))
        parser.add_argument("--region", required=True, help="所属区划代码（12 位）")
        parser.add_argument("--name", required=True, help="姓名")
        parser.add_argument("--password-stdin", action="store_true",
                            help="从标准输入读取初始密码（必须）")

    def handle(self, *args: Any, username: str, role: str, region: str, name: str,
               password_stdin: bool, **options: Any) -> None:
        if not password_stdin:
            raise CommandError(
                "请用 --password-stdin 从标准输入提供初始密码（不要写在命令行上）；"
                "账户首次登录时必须修改密码。")
        place = Region.objects.filter(code=region.strip()).first()
        if place is None:
            raise CommandError(
                f"区划代码 {region} 不存在：请先用 manage.py load_regions 导入本县行政区划。")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("标准输入中没有密码。")
        try:
            user = user_create_on_server(username=username.strip(), name=name.strip(),
                                         role=role, region=place, password=password)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已新建账户 {user.username}（{user.get_role_display()}，"
                          f"{place.name}）。首次登录时须修改密码。")
