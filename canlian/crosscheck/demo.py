"""Demo data for cross-checks (`manage.py seed_demo --persons N`; canlian.core's command finds
this module without importing crosscheck): the shipped 动态更新 questionnaire (动态1表,
data/dongtai1.yaml), so the annual-update pages have their survey. It is loaded through the
same service as `manage.py load_questionnaire`; loading the same file again changes nothing.
"""

from __future__ import annotations

from typing import TextIO

from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
from canlian.crosscheck.survey import questionnaire_load


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    if persons <= 0:  # accounts only: like the other apps, no demo data
        return
    result = questionnaire_load(text=SHIPPED.read_text(encoding="utf-8"))
    q = result.questionnaire
    state = "已载入" if result.created else "已存在，未重复载入"
    stdout.write(f"演示动态更新问卷：{q.title} 第 {q.version} 版{state}\n")
