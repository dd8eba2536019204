"""Demo data for the portal (issue 16 item 8): the demo resident is a registered disabled
person, and the demo relative is the verified guardian of a registered disabled child, so every
portal flow (政策自测, subsidy and certificate applications, help requests, for oneself and for
a ward) works in the demo. Found by `manage.py seed_demo --persons N`; running it twice changes
nothing the second time."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TextIO

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from canlian.core.idnumbers import build_certificate_number, certificate_valid_until
from canlian.core.models import User
from canlian.core.roles import Role
from canlian.registry import guardians
from canlian.registry import rows as r
from canlian.registry.models import GuardianLink
from canlian.registry.rows import parse_rows
from canlian.registry.services import persons_upsert

# The demo accounts' ID numbers (core's seed_demo puts them on the accounts).
RESIDENT_ID = "520322199001011244"  # 黄小梅
RELATIVE_ID = "520322196505051211"  # 黄建华
WARD_ID = "520322201203151026"  # 黄小雨, his daughter
UNREGISTERED_CHILD_ID = "520322201806201010"  # 黄小宇: a pending link for township staff
HEADER = [r.NAME, r.ID_NUMBER, r.REGION, r.PHONE, r.CATEGORY, r.GRADE, r.CERTIFICATE,
          r.ISSUED_ON, r.VALID_UNTIL, r.HEAD_ID, r.RELATION, r.DIBAO, r.LONG_TERM_CARE,
          r.GUARDIAN_NAME, r.GUARDIAN_ID, r.GUARDIAN_PHONE]


def _rows(village: str, today: date) -> list[list[object]]:
    issued = today - timedelta(days=900)
    valid = certificate_valid_until(issued)

    def certificate(number: str, category: int, grade: int) -> str:
        return build_certificate_number(id_number=number, category=category, grade=grade)

    return [
        # 黄小梅: 肢体二级, needs long-term care, household in 低保: both subsidies apply.
        ["黄小梅", RESIDENT_ID, village, "13800000011", "肢体", "二级",
         certificate(RESIDENT_ID, 4, 2), issued, valid, "", "户主", "是", "是", "", "", ""],
        # 黄小雨: 智力二级, a child; her father 黄建华 is her guardian (not disabled himself).
        ["黄小雨", WARD_ID, village, "", "智力", "二级", certificate(WARD_ID, 5, 2), issued,
         valid, "", "户主", "否", "是", "黄建华", RELATIVE_ID, "13800000012"],
    ]


@transaction.atomic
def seed_demo(*, persons: int, stdout: TextIO) -> None:
    if persons <= 0:
        return
    resident = User.objects.filter(username="resident", role=Role.RESIDENT).first()
    relative = User.objects.filter(username="relative", role=Role.RESIDENT).first()
    township = User.objects.filter(username="chumi", role=Role.TOWNSHIP_STAFF).first()
    if resident is None or relative is None or township is None:
        return
    today = timezone.localdate()
    parsed = parse_rows(HEADER, _rows(resident.region_id, today), today=today)
    if parsed.errors or parsed.file_errors:
        first = parsed.errors[0].message if parsed.errors else parsed.file_errors[0]
        raise CommandError(f"门户演示人员未通过导入校验：{first}")
    result = persons_upsert(actor=None, rows=parsed.rows, today=today)
    if result.errors:
        raise CommandError(f"门户演示人员写入失败：{result.errors[0].message}")
    if not GuardianLink.objects.filter(user=relative).exists():
        link = guardians.guardian_link_request(actor=relative, name="黄小雨", id_number=WARD_ID,
                                               relation="父母")
        guardians.guardian_link_verify(actor=township, link=link, note="已查验户口本")
        guardians.guardian_link_request(actor=relative, name="黄小宇",
                                        id_number=UNREGISTERED_CHILD_ID, relation="父母")
    stdout.write("门户演示：resident（黄小梅）已在基础库登记；relative（黄建华）为黄小雨的"
                 "已核实监护人，另有 1 件待核实的关联申请\n")
