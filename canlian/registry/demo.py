"""Demo data for the registry: a believable county of disabled persons and their households.

`manage.py seed_demo --persons N` (canlian.core's command finds :func:`seed_demo` here without
importing the registry) fills the registry of 桐梓县 (520322). The rows are produced in the
import-file format (:func:`generate_rows`: a header and rows of cells) and go through the real
parser (rows.parse_rows) and the one write path (services.persons_upsert), so the demo data obeys
exactly the rules an imported spreadsheet does. The benchmarks (bench/registry.py) use the same
generator for their XLSX files.

Shapes, roughly as in the national sample survey of disabled persons and county registries:
households of 1–6 people, at least one disabled person each (the head in most households, about
one in four other members); category shares physical 30 %, hearing 24 %, multiple 14 %, visual
12 %, mental 9 %, intellectual 7 %, speech 4 %; grades weighted towards 3–4 (about a quarter
grade 1–2); ages 0–95, weighted towards the old; certificates issued 2014 to today and valid
10 years; about 20 % of households in 低保, 2 % in 特困; 3 % deceased, 2 % moved out.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

from django.core.management.base import CommandError
from django.db.models import F
from django.db.models.functions import Mod
from django.utils import timezone

from canlian.core.idnumbers import (
    CATEGORY_LABELS,
    GRADE_LABELS,
    build_certificate_number,
    certificate_valid_until,
    id_check_char,
)
from canlian.core.models import Region, RegionLevel
from canlian.registry import rows as r
from canlian.registry.models import HouseholdStatus, Person
from canlian.registry.rows import PersonRow, parse_rows
from canlian.registry.services import persons_upsert

__all__ = ["COUNTY_CODE", "HEADER", "county_village_codes", "generate_rows", "iter_rows",
           "seed_demo"]

COUNTY_CODE = "520322"  # 桐梓县
COUNTY_NAME = "桐梓县"
# 桐梓县 was 522122 while 遵义 was a prefecture (地区), until 1997: older IDs keep that code.
HISTORIC_COUNTY_CODE = "522122"
HISTORIC_CODE_UNTIL_YEAR = 1997
UPSERT_CHUNK = 5000

HEADER: list[str] = list(r.COLUMNS)
_COLUMN = {name: index for index, name in enumerate(HEADER)}

# Surnames with weights ≈ their national frequency (per mille), a little Guizhou-flavoured
# (杨, 罗, 田 more common), including polyphonic ones read differently as a surname.
_SURNAMES: dict[str, float] = {
    "王": 71, "李": 70, "张": 64, "刘": 54, "陈": 46, "杨": 40, "黄": 25, "赵": 23, "吴": 22,
    "周": 20, "徐": 14, "孙": 13, "罗": 12, "马": 12, "朱": 12, "胡": 12, "郭": 10, "何": 10,
    "高": 9, "田": 6, "郑": 7, "梁": 7, "谢": 7, "林": 6, "宋": 6, "唐": 6, "邓": 6, "韩": 5,
    "冯": 5, "曹": 5, "彭": 5, "曾": 5, "肖": 5, "董": 4, "袁": 4, "蒋": 4, "余": 4, "潘": 3,
    "蔡": 3, "杜": 3, "叶": 3, "程": 3, "魏": 3, "苏": 3, "吕": 3, "丁": 3, "任": 3, "谭": 3,
    "龙": 2, "姚": 2, "卢": 2, "傅": 2, "钟": 2, "汪": 2, "石": 2, "付": 2, "令狐": 1,
    "单": 1, "解": 1, "仇": 1,
}  # fmt: skip
_SURNAME_LIST = list(_SURNAMES)
_SURNAME_CUMULATIVE = list(itertools.accumulate(_SURNAMES.values()))

# Characters of given names by generation (birth year) and sex.
_GIVEN: dict[tuple[str, str], str] = {
    ("old", "M"): "国建明德华志文福贵荣生成军平林富昌发忠光永正学海清云金洪顺强开先",
    ("old", "F"): "秀英兰珍芳桂凤玉梅淑琴翠菊莲花春云素群芝香美丽娥仙银霞",
    ("mid", "M"): "勇军伟强刚斌涛波磊鹏辉超俊峰健明华林杰平东兵亮飞锋江宏",
    ("mid", "F"): "丽敏静燕艳娟霞红芳玲萍婷慧琳丹英梅莉娜倩琼",
    ("new", "M"): "浩宇子轩俊杰博文涛鑫睿泽晨阳磊鹏凯嘉豪航铭翔一诚宏锦",
    ("new", "F"): "欣怡雨婷萱梓涵诗佳琪思雪悦梦静颖瑶晴可妍若依馨语彤",
}

# Category shares (DOMAIN.md §1 numbering; 第二次全国残疾人抽样调查 proportions, rounded).
_CATEGORIES = (4, 2, 7, 1, 6, 5, 3)
_CATEGORY_WEIGHTS = (0.30, 0.24, 0.14, 0.12, 0.09, 0.07, 0.04)
_GRADES = (1, 2, 3, 4)
_GRADE_WEIGHTS = (0.10, 0.15, 0.33, 0.42)
_SHORT_CATEGORY = {value: label.removesuffix("残疾") for value, label in CATEGORY_LABELS.items()}

_HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
_HOUSEHOLD_SIZE_WEIGHTS = (0.20, 0.28, 0.20, 0.16, 0.10, 0.06)
# Age bands of household heads (lo, hi, weight): disability prevalence rises with age.
_HEAD_AGES = ((18, 29, 0.05), (30, 44, 0.14), (45, 59, 0.30), (60, 74, 0.32), (75, 95, 0.19))
_MOBILE_PREFIXES = (*(f"13{d}" for d in range(10)), "150", "151", "152", "153", "155", "156",
                    "157", "158", "159", *(f"18{d}" for d in range(10)))
_FIRST_ISSUE = date(2014, 1, 1)

OTHER_MEMBER_DISABLED = 0.25
DIBAO_SHARE, TEKUN_SHARE = 0.20, 0.02
LONG_TERM_CARE_SEVERE = 0.10
DECEASED_SHARE, MOVED_OUT_SHARE = 0.03, 0.02
WITH_CERTIFICATE = 0.95
REISSUED = 0.03


@dataclass
class _Member:
    relation: str  # "本人" for the head
    age: int
    sex: str
    surname: str
    birth: date = date.min
    id_number: str = ""
    name: str = ""
    phone: str = ""
    disabled: bool = False


class _Generator:
    def __init__(self, rng: random.Random, today: date, places: Sequence[tuple[str, str]]) -> None:
        self.rng = rng
        self.today = today
        self.places = places
        self.ids: set[str] = set()

    # ---------------------------------------------------------------- people

    def surname(self) -> str:
        return self.rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUMULATIVE)[0]

    def given_name(self, birth_year: int, sex: str) -> str:
        era = "old" if birth_year < 1965 else "mid" if birth_year < 1990 else "new"
        chars = _GIVEN[(era, sex)]
        roll = self.rng.random()
        if roll < 0.2:
            return self.rng.choice(chars)
        first = self.rng.choice(chars)
        if roll < 0.23 and sex == "F":
            return first * 2  # 婷婷, 丽丽
        return first + self.rng.choice(chars.replace(first, ""))

    def birth_date(self, age: int) -> date:
        # A birthday within the year after the age-th one: the person is `age` today.
        latest = _years_before(self.today, age)
        earliest = _years_before(self.today, age + 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def id_number(self, birth: date, sex: str) -> str:
        address = COUNTY_CODE
        if birth.year < HISTORIC_CODE_UNTIL_YEAR and self.rng.random() < 0.06:
            address = HISTORIC_COUNTY_CODE
        while True:
            # GB 11643: the sequence's last digit is odd for men, even for women.
            sequence = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{address}{birth:%Y%m%d}{sequence:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        return self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def date_between(self, start: date, end: date) -> date:
        if end <= start:
            return end
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    # ---------------------------------------------------------------- households

    def household(self, size: int) -> list[_Member]:
        rng = self.rng
        low, high, _ = rng.choices(_HEAD_AGES, [band[2] for band in _HEAD_AGES])[0]
        head_age = rng.randint(low, high)
        head_sex = "M" if rng.random() < 0.62 else "F"
        head = _Member("本人", head_age, head_sex, self.surname())
        # The surname children take: the head's if a man, else the (possibly absent) husband's.
        family = head.surname if head_sex == "M" else self.surname()
        members = [head]
        while len(members) < size:
            members.append(self._relative(head, family, members))
        return members

    def _relative(self, head: _Member, family: str, members: list[_Member]) -> _Member:
        rng, age = self.rng, head.age
        taken = [m.relation for m in members]
        options: list[tuple[str, float]] = [("兄弟姐妹", 0.5)]
        if age >= 20 and "配偶" not in taken:
            options.append(("配偶", 6))
        if age >= 20:
            options.append(("子女", 4))
        if age + 20 <= 95 and taken.count("父母") < 2:
            options.append(("父母", 3 if age <= 60 else 1))
        if age >= 42 and "子女" in taken:
            options.append(("孙子女", 2))
        relation = rng.choices([o[0] for o in options], [o[1] for o in options])[0]
        sex = "M" if rng.random() < 0.5 else "F"
        surname = family
        if relation == "配偶":
            sex = "F" if head.sex == "M" else "M"
            member_age = age + rng.randint(-6, 4) if sex == "F" else age + rng.randint(-3, 7)
            surname = self.surname() if sex == "F" else family
        elif relation == "子女":
            member_age = age - rng.randint(20, 38)
        elif relation == "父母":
            parents = [m for m in members if m.relation == "父母"]
            if parents:
                sex = "F" if parents[0].sex == "M" else "M"
            member_age = age + rng.randint(20, 34)
            surname = head.surname if sex == "M" else self.surname()
        elif relation == "孙子女":
            member_age = age - rng.randint(42, 60)
        else:
            member_age = age + rng.randint(-10, 10)
            surname = head.surname
        return _Member(relation, max(0, min(95, member_age)), sex, surname)

    def rows(self, members: list[_Member]) -> list[list[object]]:
        rng = self.rng
        code, place = self.places[rng.randrange(len(self.places))]
        address = f"{place}{rng.randint(1, 12)}组"
        for member in members:
            member.birth = self.birth_date(member.age)
            member.id_number = self.id_number(member.birth, member.sex)
            member.name = member.surname + self.given_name(member.birth.year, member.sex)
            adult = member.age >= 16
            if rng.random() < (0.78 if adult else 0.05):
                member.phone = self.phone()
        # Every household has a disabled person: usually the head, else one of the others.
        head, others = members[0], members[1:]
        if not others or rng.random() < 0.85:
            head.disabled = True
        else:
            rng.choice(others).disabled = True
        for member in others:
            member.disabled = member.disabled or rng.random() < OTHER_MEMBER_DISABLED
        dibao = rng.random() < DIBAO_SHARE
        tekun = not dibao and rng.random() < TEKUN_SHARE / (1 - DIBAO_SHARE)
        rows = []
        for member in members:
            cells: list[object] = [""] * len(HEADER)
            cells[_COLUMN[r.NAME]] = member.name
            cells[_COLUMN[r.ID_NUMBER]] = member.id_number
            cells[_COLUMN[r.REGION]] = code
            cells[_COLUMN[r.ADDRESS]] = address
            cells[_COLUMN[r.PHONE]] = member.phone
            cells[_COLUMN[r.HEAD_ID]] = head.id_number
            cells[_COLUMN[r.RELATION]] = member.relation
            cells[_COLUMN[r.DIBAO]] = "是" if dibao else "否"
            cells[_COLUMN[r.TEKUN]] = "是" if tekun else "否"
            if member.disabled:
                self._disability(cells, member, members)
            self._living(cells, member)
            rows.append(cells)
        return rows

    def _disability(self, cells: list[object], member: _Member, members: list[_Member]) -> None:
        rng = self.rng
        category = rng.choices(_CATEGORIES, _CATEGORY_WEIGHTS)[0]
        grade = rng.choices(_GRADES, _GRADE_WEIGHTS)[0]
        cells[_COLUMN[r.CATEGORY]] = CATEGORY_LABELS[category]
        cells[_COLUMN[r.GRADE]] = GRADE_LABELS[grade]
        if category == 7:
            components = sorted(rng.sample(range(1, 7), 2 if rng.random() < 0.75 else 3))
            cells[_COLUMN[r.COMPONENTS]] = "、".join(_SHORT_CATEGORY[c] for c in components)
        if rng.random() < WITH_CERTIFICATE:
            issued = self.date_between(max(_FIRST_ISSUE, member.birth + timedelta(days=30)),
                                       self.today)
            reissue = 1 if rng.random() < REISSUED else 0
            cells[_COLUMN[r.CERTIFICATE]] = build_certificate_number(
                id_number=member.id_number, category=category, grade=grade, reissue=reissue)
            cells[_COLUMN[r.ISSUED_ON]] = issued
            cells[_COLUMN[r.VALID_UNTIL]] = certificate_valid_until(issued)
        severe = grade <= 2
        cells[_COLUMN[r.LONG_TERM_CARE]] = (
            "是" if severe and rng.random() < LONG_TERM_CARE_SEVERE else "否")
        # Minors, and adults with severe intellectual or mental disability, have a guardian.
        if member.age < 18 or (category in (5, 6) and severe):
            guardian = next((m for m in members if m is not member and m.age >= 18), None)
            if guardian is not None:
                cells[_COLUMN[r.GUARDIAN_NAME]] = guardian.name
                cells[_COLUMN[r.GUARDIAN_ID]] = guardian.id_number
                cells[_COLUMN[r.GUARDIAN_PHONE]] = guardian.phone or self.phone()

    def _living(self, cells: list[object], member: _Member) -> None:
        roll = self.rng.random()
        if roll < DECEASED_SHARE:
            cells[_COLUMN[r.LIVING_STATUS]] = "死亡"
            start = max(member.birth, _years_before(self.today, 4))
            cells[_COLUMN[r.DIED_ON]] = self.date_between(start, self.today)
        elif roll < DECEASED_SHARE + MOVED_OUT_SHARE:
            cells[_COLUMN[r.LIVING_STATUS]] = "迁出"
        else:
            cells[_COLUMN[r.LIVING_STATUS]] = "正常"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _short_village_name(name: str) -> str:
    """武胜社区居民委员会 → 武胜社区, 农里村村民委员会 → 农里村."""
    return name.removesuffix("居民委员会").removesuffix("村民委员会")


def village_places(region_codes: Sequence[str]) -> dict[str, str]:
    """Region code → "桐梓县楚米镇新华村" (township and village names from Region)."""
    villages = Region.objects.filter(code__in=list(region_codes)).select_related("parent")
    return {
        v.code: f"{COUNTY_NAME}{v.parent.name if v.parent else ''}{_short_village_name(v.name)}"
        for v in villages
    }


def iter_rows(
    *,
    persons: int,
    seed: int = 2026,
    region_codes: Sequence[str],
    today: date | None = None,
    places: Mapping[str, str] | None = None,
) -> Iterator[list[object]]:
    """The rows of :func:`generate_rows` one at a time (for very large sets, e.g. benchmarks):
    household by household, the head first. ID numbers are unique across the whole set."""
    codes = sorted(set(region_codes))
    if not codes:
        raise ValueError("region_codes is empty")
    names = dict(places) if places is not None else village_places(codes)
    generator = _Generator(random.Random(seed), today or timezone.localdate(),
                           [(code, names.get(code, COUNTY_NAME)) for code in codes])
    made = 0
    while made < persons:
        size = generator.rng.choices(_HOUSEHOLD_SIZES, _HOUSEHOLD_SIZE_WEIGHTS)[0]
        rows = generator.rows(generator.household(min(size, persons - made)))
        made += len(rows)
        yield from rows


def generate_rows(
    *,
    persons: int,
    seed: int = 2026,
    region_codes: Sequence[str],
    today: date | None = None,
    places: Mapping[str, str] | None = None,
) -> tuple[list[str], list[list[object]]]:
    """An import header and `persons` rows of believable households, heads first in each.

    Deterministic for a seed (and `today`). `region_codes` are village codes; `places` maps
    them to the address prefix (default: looked up in Region, one query). Dates are `date`
    cells, as a spreadsheet reader returns them.
    """
    return list(HEADER), list(iter_rows(persons=persons, seed=seed, region_codes=region_codes,
                                        today=today, places=places))


def county_village_codes() -> list[str]:
    return list(
        Region.objects.filter(code__startswith=COUNTY_CODE, level=RegionLevel.VILLAGE)
        .order_by("code").values_list("code", flat=True)
    )


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    """Fill the registry with `persons` demo persons, unless it already holds that many.

    The rows go through the import parser and persons_upsert (actor None: the operator), in
    chunks; a parse or write error stops the command (CommandError) with the first problem.
    """
    if persons <= 0:
        return
    have = Person.objects.count()
    if have >= persons:
        stdout.write(f"演示残疾人库：已有 {have} 人，不再生成\n")
        return
    codes = county_village_codes()
    if not codes:
        raise CommandError(f"区划表中没有 {COUNTY_NAME} 的村（社区），无法生成演示数据")
    start = time.perf_counter()
    today = timezone.localdate()
    header, cells = generate_rows(persons=persons, region_codes=codes, today=today)
    parsed = parse_rows(header, cells, today=today, known_region_codes=set(codes))
    problems = [*parsed.file_errors,
                *(f"第 {e.row} 行 {e.column}：{e.message}" for e in parsed.errors)]
    if problems:
        raise CommandError(
            f"演示数据未通过导入校验（共 {len(problems)} 处），首个问题：{problems[0]}")
    created = 0
    for chunk in _chunks(parsed.rows, UPSERT_CHUNK):
        result = persons_upsert(actor=None, rows=chunk, today=today)
        if result.errors:
            e = result.errors[0]
            raise CommandError(f"演示数据写入失败，第 {e.row} 行 {e.column}：{e.message}")
        created += result.created
    _household_statuses_backdate(today)
    elapsed = time.perf_counter() - start
    stdout.write(f"演示残疾人库：新增 {created} 人，用时 {elapsed:.1f} 秒\n")


def _household_statuses_backdate(today: date) -> None:
    """The generated rows say 是否低保/特困 as of today, so their periods open this month; a
    county's real statuses began months or years ago. Spread the demo's open periods over the
    past four years (a few set-based updates), so past months have a believable population
    for benefits and reports."""
    this_month = today.replace(day=1)
    opened_now = HouseholdStatus.objects.filter(start_month=this_month, end_month__isnull=True)
    spread = 48
    bucket = Mod(F("household_id"), spread)
    for k in range(spread):
        index = this_month.year * 12 + this_month.month - 1 - (k + 4)
        opened_now.annotate(_bucket=bucket).filter(_bucket=k).update(
            start_month=date(index // 12, index % 12 + 1, 1))


def _chunks(rows: list[PersonRow], size: int) -> list[list[PersonRow]]:
    """Consecutive chunks. Rows come household by household, head first, so a member is never
    in an earlier chunk than the head it names."""
    return [rows[start:start + size] for start in range(0, len(rows), size)]
