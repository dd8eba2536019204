"""manage.py seed_demo — demo accounts of every role in the demo county (桐梓县 520322).

The passwords are published in README.md: for the demo only, never for a real deployment.
Running it twice changes nothing the second time.

`--persons N` also asks each installed app that has a `demo` module with a `seed_demo(*,
persons, stdout)` function for its demo data (the registry fills N persons). The apps are found
at run time, so core never imports the apps above it.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from canlian.core.crypto import blind_index
from canlian.core.models import Region, User
from canlian.core.roles import Role

DEMO_PASSWORD = "Demo@2026"

# (username, name, role, region code)
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", "王建国", Role.COUNTY_ADMIN, "520322000000"),
    ("security", "刘安", Role.SECURITY_ADMIN, "520322000000"),
    ("auditor", "陈审", Role.AUDITOR, "520322000000"),
    ("county", "李明", Role.COUNTY_STAFF, "520322000000"),
    # A second county staff account: reviews what `county` recorded (不相容岗位分离).
    ("county2", "孙丽", Role.COUNTY_STAFF, "520322000000"),
    ("leader", "赵书记", Role.LEADER, "520322000000"),
    ("assessor", "周医生", Role.ASSESSOR, "520322000000"),
    ("chumi", "张华", Role.TOWNSHIP_STAFF, "520322101000"),
    ("songkan", "罗芳", Role.TOWNSHIP_STAFF, "520322103000"),
    ("liaison1", "杨秀英", Role.VILLAGE_LIAISON, ""),  # first village of 楚米镇
    ("liaison2", "吴德才", Role.VILLAGE_LIAISON, ""),  # first village of 松坎镇
    ("resident", "黄小梅", Role.RESIDENT, ""),
    # The guardian of a registered disabled child (portal/demo.py links them).
    ("relative", "黄建华", Role.RESIDENT, ""),
    ("volunteer", "何志远", Role.VOLUNTEER, ""),
)
DEMO_VILLAGE_OF = {"liaison1": "520322101", "liaison2": "520322103", "resident": "520322101",
                   "relative": "520322101", "volunteer": "520322101"}
DEMO_PHONES = {"admin": "13800000001", "liaison1": "13800000009", "resident": "13800000011",
               "relative": "13800000012"}
DEMO_ID_NUMBERS = {"resident": "520322199001011244", "relative": "520322196505051211"}


def _first_village(township_prefix: str) -> str:
    return (
        Region.objects.filter(code__startswith=township_prefix, level="village")
        .order_by("code").values_list("code", flat=True).first()
    )


class Command(BaseCommand):
    help = "创建演示账户（各角色，位于桐梓县不同乡镇和村）。仅用于演示。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, default=0, metavar="N",
                            help="同时生成 N 名演示残疾人（库中已有 N 人及以上时不再生成）")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        for username, name, role, code in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            region_code = code or _first_village(DEMO_VILLAGE_OF[username])
            user = User(username=username, name=name, role=role,
                        region=Region.objects.get(code=region_code))
            phone, id_number = DEMO_PHONES.get(username, ""), DEMO_ID_NUMBERS.get(username, "")
            user.phone, user.phone_index = phone, blind_index(phone) if phone else ""
            user.id_number = id_number
            user.id_number_index = blind_index(id_number) if id_number else ""
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        self.stdout.write(f"演示账户：新建 {created} 个（已有的不变），密码均为 {DEMO_PASSWORD}")
        for username, name, role, _ in DEMO_USERS:
            user = User.objects.select_related("region").get(username=username)
            self.stdout.write(f"  {username:<10} {Role(role).label:<12} {name}  {user.region.name}")
        self.stdout.write(
            "系统管理员、安全管理员、审计管理员登录须使用动态验证码：首次登录输入密码后，"
            "页面显示二维码和密钥，用手机验证器 App（如 FreeOTP、Google Authenticator）扫码"
            "或手动输入密钥，再输入 6 位验证码即完成绑定；请保存页面给出的恢复码。"
        )
        self._seed_apps(options["persons"])

    def _seed_apps(self, persons: int) -> None:
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            try:
                found = importlib.util.find_spec(module_name) is not None
            except ModuleNotFoundError:  # e.g. a plain module, not a package
                found = False
            if not found:
                continue
            seed = getattr(importlib.import_module(module_name), "seed_demo", None)
            if callable(seed):
                seed(persons=persons, stdout=self.stdout)
