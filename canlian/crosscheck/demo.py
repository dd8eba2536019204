"""Demo data for cross-checks (`manage.py seed_demo --persons N`; canlian.core's command finds
this module without importing crosscheck):

- the shipped 动态更新 questionnaire (动态1表, data/dongtai1.yaml), so the annual-update pages
  have their survey. It is loaded through the same service as `manage.py load_questionnaire`;
  loading the same file again changes nothing;
- four departments' lists of this month, imported by county staff through the page's own
  service (dataset_import: check, keep, match, find) so the findings pages have work: deaths
  (民政 and 卫健) of persons the registry still has alive (some receiving subsidies), moves out
  of the county (公安), new 低保 households (民政) and people on the severe-mental-disorder list
  without a certificate (卫健). The persons are drawn from the demo registry (fixed seed); each
  date is in the past. Nothing is imported when the county already has a dataset.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, TextIO

from django.utils import timezone

from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.crosscheck.datasets import dataset_import
from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
from canlian.crosscheck.models import Dataset, DatasetKind
from canlian.crosscheck.survey import questionnaire_load
from canlian.registry.models import HouseholdStatus, HouseholdStatusKind, LivingStatus, Person

COUNTY_CODE = "520322000000"
SAMPLE = {DatasetKind.DEATHS: 4, DatasetKind.MOVES: 3, DatasetKind.DIBAO: 4,
          DatasetKind.MENTAL: 3}
HEADERS = {
    DatasetKind.DEATHS: ["姓名", "身份证号", "死亡日期", "来源单位"],
    DatasetKind.MOVES: ["姓名", "身份证号", "迁出日期", "迁往地"],
    DatasetKind.DIBAO: ["姓名", "身份证号", "户主身份证号", "保障类别", "起始年月", "终止年月"],
    DatasetKind.MENTAL: ["姓名", "身份证号", "诊断", "管理地区代码"],
}
SOURCES = {DatasetKind.DEATHS: "县民政局（殡葬）", DatasetKind.MOVES: "县公安局户政科",
           DatasetKind.DIBAO: "县民政局", DatasetKind.MENTAL: "县卫生健康局"}


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    if persons <= 0:  # accounts only: like the other apps, no demo data
        return
    result = questionnaire_load(text=SHIPPED.read_text(encoding="utf-8"))
    q = result.questionnaire
    state = "已载入" if result.created else "已存在，未重复载入"
    stdout.write(f"演示动态更新问卷：{q.title} 第 {q.version} 版{state}\n")
    _datasets(stdout)


def _datasets(stdout: TextIO) -> None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    staff = User.objects.filter(role=Role.COUNTY_STAFF, region_id=COUNTY_CODE,
                                is_active=True).order_by("pk").first()
    if county is None or staff is None:
        return
    if Dataset.objects.filter(region__code__startswith=county.prefix).exists():
        stdout.write("演示数据比对：已存在，不再导入\n")
        return
    today = timezone.localdate()
    rng = random.Random(2026)
    alive = (Person.objects.filter(region__code__startswith=county.prefix,
                                   living_status=LivingStatus.ALIVE).order_by("pk"))
    disabled = list(alive.disabled().values_list("pk", flat=True))
    members = list(alive.household_members_only().values_list("pk", flat=True))
    in_dibao = HouseholdStatus.objects.filter(kind=HouseholdStatusKind.DIBAO).active_in_month(today)
    not_dibao = list(alive.disabled().exclude(household__in=in_dibao.values("household"))
                     .values_list("pk", flat=True))
    picks = {
        DatasetKind.DEATHS: _draw(rng, disabled, SAMPLE[DatasetKind.DEATHS]),
        DatasetKind.MOVES: _draw(rng, disabled, SAMPLE[DatasetKind.MOVES]),
        DatasetKind.DIBAO: _draw(rng, not_dibao, SAMPLE[DatasetKind.DIBAO]),
        DatasetKind.MENTAL: _draw(rng, members, SAMPLE[DatasetKind.MENTAL]),
    }
    chosen = Person.objects.in_bulk([pk for pks in picks.values() for pk in pks])
    imported, findings = 0, 0
    for kind, pks in picks.items():
        rows = [_row(kind, chosen[pk], today, rng) for pk in pks if pk in chosen]
        if not rows:
            continue
        report = dataset_import(actor=staff, kind=kind, source=SOURCES[kind],
                                filename=f"{DatasetKind(kind).label}_{today:%Y%m}.xlsx",
                                header=HEADERS[kind], rows=rows, today=today)
        if report.dataset_id:
            imported += 1
            findings += sum(report.added.values())
    stdout.write(f"演示数据比对：导入 {imported} 份部门数据，发现 {findings} 条待处理\n")


def _draw(rng: random.Random, pool: list[int], n: int) -> list[int]:
    return rng.sample(pool, min(n, len(pool)))


def _row(kind: str, person: Person, today: date, rng: random.Random) -> list[Any]:
    recent = today - timedelta(days=rng.randint(10, 50))
    if kind == DatasetKind.DEATHS:
        return [person.name, person.id_number, recent.isoformat(), "县人民医院"]
    if kind == DatasetKind.MOVES:
        return [person.name, person.id_number, recent.isoformat(), "遵义市汇川区"]
    if kind == DatasetKind.DIBAO:
        return [person.name, person.id_number, "", "农村低保", f"{recent:%Y-%m}", ""]
    return [person.name, person.id_number, "精神分裂症", person.region_id]
