"""Demo data for the organisation system of 桐梓县 (520322), for `manage.py seed_demo`.

Seed 000: 桐梓 built 25 township federations and 232 village associations, each with its chair
and a hired full-time liaison officer. The demo builds that, with a few honest gaps so the
coverage page has something to show (a few villages without an association, some without a
liaison officer or a chair, one township without its 专职委员), plus the county federation with
its executive council, presidium, congress, departments and the five special associations;
the congress and presidium are composed so that some seed-004 rules pass and some do not.
The demo accounts of the village liaison officers and township staff are linked to their
members, and every other village 专职委员 gets an account of their own (`liaison_<village
code>`): they are the ones who visit their village's disabled persons. Nothing is dated after
today (the training and the leaders' grassroots visits of this year that have happened).
Deterministic (fixed seed) and idempotent: nothing happens if the county federation already
exists.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.models import AuditAction, Region, RegionLevel, User
from canlian.core.roles import Role
from canlian.organizations.models import (
    GrassrootsVisit,
    Member,
    OrgUnit,
    Post,
    PostHolding,
    SpecialKind,
    TrainingAttendance,
    TrainingSession,
    UnitKind,
)

COUNTY_CODE = "520322000000"
COUNTY_NAME = "桐梓县"
TERM_START = date(2022, 1, 1)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙罗马朱胡郭何高田郑梁谢林宋唐邓韩冯曹彭曾肖令狐"
_GIVEN = "国建明德华志文福荣军平林秀英兰珍芳桂凤玉梅勇伟强刚斌涛波磊丽敏静燕艳娟霞红"
DEPARTMENTS = ("办公室", "组联部", "康复部", "教育就业部", "维权部")
# Demo accounts (core seed_demo) → the kind of unit whose 专职委员 they are.
LINKED_USERS = {"liaison1": UnitKind.VILLAGE_ASSOCIATION, "liaison2": UnitKind.VILLAGE_ASSOCIATION,
                "chumi": UnitKind.TOWNSHIP_FEDERATION, "songkan": UnitKind.TOWNSHIP_FEDERATION}


def _short(name: str) -> str:
    return name.removesuffix("居民委员会").removesuffix("村民委员会")


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(2026)
        self.members: list[Member] = []
        self.holdings: list[tuple[OrgUnit, int, str, date | None]] = []
        self.phone = 13700000000

    def person(self, region: str, **flags: Any) -> int:
        surname = self.rng.choice(_SURNAMES)
        name = surname + self.rng.choice(_GIVEN) + (self.rng.choice(_GIVEN)
                                                     if self.rng.random() < 0.7 else "")
        self.phone += self.rng.randint(1, 9999)
        phone = str(self.phone)
        self.members.append(Member(name=name, region_id=region, phone=phone,
                                   phone_index=blind_index(phone),
                                   sex="M" if self.rng.random() < 0.55 else "F", **flags))
        return len(self.members) - 1

    def hold(self, unit: OrgUnit, index: int, post: str, ended_on: date | None = None) -> None:
        self.holdings.append((unit, index, post, ended_on))

    def chance(self, share: float) -> bool:
        return self.rng.random() < share


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    """Build the demo county's organisations (the `persons` count is the registry's)."""
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return
    if OrgUnit.objects.filter(kind=UnitKind.COUNTY_FEDERATION, region=county).exists():
        stdout.write("演示组织体系：已存在，不再生成\n")
        return
    with transaction.atomic():
        counts = _build(county)
        audit.audit_record(actor=None, action=AuditAction.CREATE,
                           object_type="organizations.orgunit", region_code=COUNTY_CODE,
                           summary="生成演示组织体系数据", changes=counts,
                           actor_username="manage.py")
    stdout.write(f"演示组织体系：{counts['units']} 个组织，{counts['members']} 名人员，"
                 f"{counts['holdings']} 条任职\n")


def _build(county: Region) -> dict[str, int]:
    b = _Builder()
    units: list[OrgUnit] = []

    def unit(kind: str, name: str, region: Region, parent: OrgUnit | None = None,
             **fields: Any) -> OrgUnit:
        made = OrgUnit.objects.create(kind=kind, name=name, region=region, parent=parent,
                                      established_on=TERM_START, **fields)
        units.append(made)
        return made

    federation = unit(UnitKind.COUNTY_FEDERATION, f"{COUNTY_NAME}残疾人联合会", county)
    council = unit(UnitKind.EXECUTIVE_COUNCIL, f"{COUNTY_NAME}残联执行理事会", county, federation)
    presidium = unit(UnitKind.PRESIDIUM, f"{COUNTY_NAME}残联主席团", county, federation)
    congress = unit(UnitKind.CONGRESS, f"{COUNTY_NAME}残疾人联合会第六次代表大会", county,
                    federation)
    for special in SpecialKind:
        unit(UnitKind.SPECIAL_ASSOCIATION, f"{COUNTY_NAME}{special.label}", county, federation,
             special_kind=special.value)
    departments = [unit(UnitKind.DEPARTMENT, name, county, federation) for name in DEPARTMENTS]
    unit(UnitKind.MUTUAL_AID, f"{COUNTY_NAME}残疾人创业就业互助协会", county)

    # County staff (seed 004 二(二)2: ≥ 15 % disabled): 18 cadres, 3 disabled → 16.7 %.
    chair = b.person(COUNTY_CODE, is_disabled=True, is_role_model=True)
    b.hold(federation, chair, Post.CHAIR)
    executive = b.person(COUNTY_CODE)
    b.hold(council, executive, Post.EXECUTIVE_CHAIR)
    b.hold(federation, executive, Post.EXECUTIVE_CHAIR)
    council_members = [executive]
    for disabled in (True, False):
        deputy = b.person(COUNTY_CODE, is_disabled=disabled)
        b.hold(council, deputy, Post.VICE_EXECUTIVE_CHAIR)
        council_members.append(deputy)
    for index, department in enumerate(departments):
        b.hold(department, b.person(COUNTY_CODE, is_disabled=index in (1, 3)), Post.HEAD)
        for _ in range(2):
            b.hold(department, b.person(COUNTY_CODE), Post.STAFF)

    townships = list(Region.objects.filter(level=RegionLevel.TOWNSHIP,
                                           code__startswith=county.prefix).order_by("code"))
    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE,
                                          code__startswith=county.prefix).order_by("code"))
    township_units: dict[str, OrgUnit] = {}
    officers: list[int] = []
    for t_index, township in enumerate(townships):
        fed = unit(UnitKind.TOWNSHIP_FEDERATION, f"{township.name}残疾人联合会", township)
        township_units[township.code[:9]] = fed
        head = b.person(township.code)
        b.hold(fed, head, Post.EXECUTIVE_CHAIR)
        officers.append(head)
        if t_index != len(townships) - 1:  # the last one is still recruiting its 专职委员
            liaison = b.person(township.code, is_disabled=True, is_grassroots=True)
            b.hold(fed, liaison, Post.LIAISON_OFFICER)
            officers.append(liaison)
    village_people: list[int] = []
    for v_index, village in enumerate(villages):
        if v_index % 17 == 5:
            continue  # no association yet
        rural = "社区" not in village.name
        assoc = unit(UnitKind.VILLAGE_ASSOCIATION, f"{_short(village.name)}残疾人协会", village,
                     township_units.get(village.code[:9]))
        if v_index % 29 != 7:
            chair_index = b.person(village.code, is_rural=rural,
                                   is_disabled=b.chance(0.2), is_grassroots=True)
            b.hold(assoc, chair_index, Post.CHAIR)
            village_people.append(chair_index)
        if v_index % 11 != 3:
            liaison = b.person(village.code, is_rural=rural, is_disabled=b.chance(0.8),
                               is_relative=b.chance(0.1), is_grassroots=True)
            b.hold(assoc, liaison, Post.LIAISON_OFFICER)
            village_people.append(liaison)
            officers.append(liaison)
        if v_index % 7 == 0:
            member = b.person(village.code, is_rural=rural, is_volunteer=True)
            b.hold(assoc, member, Post.COMMITTEE_MEMBER)
        if v_index % 13 == 0:  # a change of chair: the former one's term has ended
            former = b.person(village.code, is_rural=rural)
            b.hold(assoc, former, Post.CHAIR if v_index % 29 == 7 else Post.COMMITTEE_MEMBER,
                   ended_on=date(2023, 12, 31))

    # Congress (seed 004 二(一)1): 120 delegates, 84 disabled or relatives (70 %, 达标),
    # 66 role models or grassroots (55 %, 未达标).
    for index in range(120):
        region = villages[index * 2 % len(villages)].code
        flags = {"is_disabled": index < 72, "is_relative": 72 <= index < 84,
                 "is_role_model": index % 4 == 0, "is_grassroots": 30 <= index < 78 and
                 index % 4 != 0, "is_rural": index % 3 != 0, "is_volunteer": index % 10 == 0}
        delegate = b.person(region, **flags)
        b.hold(congress, delegate, Post.DELEGATE)
    # Presidium (二(一)2): 15 members, 10 disabled or relatives (66.7 %), 6 role models or
    # grassroots (40 %): both 达标.
    b.hold(presidium, chair, Post.CHAIR)
    for index in range(14):
        member = b.person(COUNTY_CODE, is_disabled=index < 7, is_relative=index in (7, 8),
                          is_role_model=index < 3, is_grassroots=3 <= index < 5)
        b.hold(presidium, member, Post.VICE_CHAIR if index < 3 else Post.COMMITTEE_MEMBER)

    _link_demo_users(b)
    _officer_accounts(b)
    Member.objects.bulk_create(b.members, batch_size=500)
    PostHolding.objects.bulk_create([
        PostHolding(unit=u, member=b.members[i], post=post,
                    started_on=date(2019, 1, 1) if ended_on else TERM_START, ended_on=ended_on)
        for u, i, post, ended_on in b.holdings], batch_size=500)
    _training_and_visits(b, county, officers, council_members)
    return {"units": len(units), "members": len(b.members), "holdings": len(b.holdings)}


def _link_demo_users(b: _Builder) -> None:
    """The demo accounts become the liaison officers of their own village or township."""
    users = {u.username: u for u in User.objects.filter(username__in=LINKED_USERS)}
    for username, kind in LINKED_USERS.items():
        user = users.get(username)
        if user is None:
            continue
        for unit, index, post, ended_on in b.holdings:
            member = b.members[index]
            if (unit.kind == kind and post == Post.LIAISON_OFFICER and ended_on is None
                    and unit.region_id == user.region_id and member.user is None):
                member.user, member.name = user, user.name
                if user.phone:
                    member.phone, member.phone_index = user.phone, blind_index(user.phone)
                break


def _officer_accounts(b: _Builder) -> None:
    """Every village's 专职委员 gets a village-liaison account (`liaison_<village code>`, the
    demo password), linked to their member record, so the visits of each village are theirs
    (the cases demo) and the due lists name them. liaison1 and liaison2 are already linked."""
    from canlian.core.management.commands.seed_demo import DEMO_PASSWORD

    officers = [(unit, b.members[index]) for unit, index, post, ended_on in b.holdings
                if unit.kind == UnitKind.VILLAGE_ASSOCIATION and post == Post.LIAISON_OFFICER
                and ended_on is None and b.members[index].user is None]
    taken = set(User.objects.filter(username__startswith="liaison_")
                .values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose
    accounts = []
    for unit, member in officers:
        username = f"liaison_{unit.region_id}"
        if username in taken:
            continue
        accounts.append(User(username=username, name=member.name, role=Role.VILLAGE_LIAISON,
                             region_id=unit.region_id, password=password, phone=member.phone,
                             phone_index=member.phone_index))
        member.user = accounts[-1]
    User.objects.bulk_create(accounts, batch_size=500)


def _training_and_visits(b: _Builder, county: Region, officers: list[int],
                         council: list[int]) -> None:
    today = timezone.localdate()
    # This year's training in mid-January, or last year's before that day.
    year = today.year if today >= date(today.year, 1, 16) else today.year - 1
    session = TrainingSession.objects.create(
        title=f"{year}年度乡镇（街道）理事长和专职委员培训", region=county,
        held_on=date(year, 1, 15), days=Decimal(2), location="县残联会议室",
        topic="政治理论、残疾人政策与业务知识")
    TrainingAttendance.objects.bulk_create([
        TrainingAttendance(session=session, member=b.members[i])
        for n, i in enumerate(officers) if n % 6 != 0])
    places = list(Region.objects.filter(level=RegionLevel.VILLAGE,
                                        code__startswith=county.prefix)
                  .order_by("code").values_list("code", flat=True)[:40])
    visits = []
    for n, index in enumerate(council):
        days = 3 if n == 0 else 2
        for month in range(1, (today.month if n == 0 else min(6, today.month)) + 1):
            started = date(today.year, month, 10)
            if started + timedelta(days=days - 1) > today:  # not over yet: not recorded
                continue
            visits.append(GrassrootsVisit(
                member=b.members[index], started_on=started,
                days=Decimal(days), place_id=places[(n * 7 + month) % len(places)],
                purpose="走访困难残疾人家庭，了解村残协工作"))
    GrassrootsVisit.objects.bulk_create(visits)
