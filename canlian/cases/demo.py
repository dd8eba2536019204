"""Demo data for visits and cases (`manage.py seed_demo --persons N`, after the registry and
the organisations): the loop of seed 001 — 遍访一次、每季度再回访一次, 12,518 visits found 682
problems and 676 were solved — on the demo county's persons.

- a census round from 1 January to 30 June of this year, and the schedules: quarterly for all,
  monthly for 重残独居;
- about 92 % of persons had their census visit (dates inside the round, never before the
  person entered the registry), then a follow-up in about 85 % of each later quarter;
- about 5 % of visits found a need: most became cases (routed to the township federation),
  some service demands, a few solved on the spot; plus help requests, hotline calls and
  petitions; most cases are 销号, some still open (a few overdue), a few returned;
- the demo resident has a suggestion answered and waiting for their rating.

Bulk inserts throughout (one query per table and chunk); running it twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from django.db import transaction
from django.utils import timezone

from canlian.cases import routing
from canlian.cases.deadlines import DEFAULT_DEADLINES, deadline_after
from canlian.cases.due import add_months, period_start
from canlian.cases.models import (
    Case,
    CaseAction,
    CaseEvent,
    CaseSource,
    CaseStatus,
    NeedKind,
    NeedOutcome,
    Satisfaction,
    Visit,
    VisitNeed,
    VisitPurpose,
    VisitRound,
    VisitSchedule,
)
from canlian.core import audit
from canlian.core.models import AuditAction, Region, User
from canlian.core.roles import Role
from canlian.organizations.models import OrgUnit
from canlian.organizations.selectors import liaison_holdings
from canlian.registry.models import LivingStatus, Person

COUNTY_CODE = "520322000000"
ROUND_NAME = "{year} 年遍访残疾人"
CENSUS_SHARE = 0.92
FOLLOW_UP_SHARE = 0.85
NEED_SHARE = 0.055
CHUNK = 5000
PEOPLE_MET = ("本人", "本人、配偶", "本人、母亲", "监护人", "本人、子女")
REPLIES = {
    "rehab": "已纳入精准康复服务，安排康复训练。", "device": "已适配辅具并送货上门。",
    "accessibility": "已列入本年度家庭无障碍改造计划并完成施工。",
    "employment": "已推荐至县残疾人就业服务机构，参加职业技能培训。",
    "education": "已协调学校落实随班就读及资助。", "care": "已安排居家托养服务。",
    "subsidy": "已核实并补发补贴。", "legal": "已转介法律援助中心。", "other": "已协调解决。",
}


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None or persons <= 0:
        return
    today = timezone.localdate()
    # Any year's demo round: the census window moves with the date (census_window).
    if VisitRound.objects.filter(name__endswith=ROUND_NAME.format(year=""),
                                 region=county).exists():
        stdout.write("演示走访与诉求：已存在，不再生成\n")
        return
    with transaction.atomic():
        counts = _build(county, today)
        audit.audit_record(actor=None, action=AuditAction.CREATE, object_type="cases.visit",
                           region_code=COUNTY_CODE, summary="生成演示走访与诉求数据",
                           changes=counts, actor_username="manage.py")
    stdout.write(f"演示走访与诉求：走访 {counts['visits']} 次，发现需求 {counts['needs']} 项，"
                 f"诉求 {counts['cases']} 件\n")


def _officers(county: Region) -> dict[str, User]:
    """Who visits each village: its 专职委员 in office (organizations' one definition,
    liaison_holdings), by their account. A village without one has no visits: its
    persons wait on the due list, as they would."""
    holdings = (liaison_holdings(start=timezone.localdate())
                .filter(unit__is_active=True, unit__region__code__startswith=county.prefix,
                        member__user__is_active=True)
                .select_related("member__user", "unit").order_by("started_on", "pk"))
    return {h.unit.region_id: h.member.user for h in holdings if h.member.user is not None}


def _at(day: date, rng: random.Random) -> datetime:
    """A time in office hours on `day`, never after now (nothing is dated in the future)."""
    return _past(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)),
                                  tzinfo=timezone.get_current_timezone()))


def _past(moment: datetime) -> datetime:
    return min(moment, timezone.now())


def census_window(today: date) -> tuple[date, date]:
    """The demo's census round: the half-year that ends where the last finished quarter begins,
    so on any day of the year the two quarters the appraisal demo scores (the last finished one
    and the one before) lie after the census and hold quarterly follow-ups. On 2026-12-06 this
    is 2026-01-01 … 2026-06-30; on 2027-01-01 it is 2026-04-01 … 2026-09-30."""
    last_finished = add_months(period_start(today, 3), -3)
    return add_months(last_finished, -6), last_finished - timedelta(days=1)


def _build(county: Region, today: date) -> dict[str, int]:
    rng = random.Random(7)
    staff = User.objects.filter(role=Role.COUNTY_STAFF, region=county).order_by("pk").first()
    officers = _officers(county)
    if staff is None or not officers:
        return {"visits": 0, "needs": 0, "cases": 0}
    start, due = census_window(today)
    census = VisitRound.objects.create(name=ROUND_NAME.format(year=start.year), region=county,
                                       started_on=start, due_on=due, created_by=staff)
    VisitSchedule.objects.create(name="一般残疾人 每季度回访", region=county, interval_months=3,
                                 conditions=[], created_by=staff)
    VisitSchedule.objects.create(name="重残独居 每月走访", region=county, interval_months=1,
                                 conditions=["severe", "alone"], created_by=staff)
    people = list(Person.objects.disabled().filter(region__code__startswith=county.prefix,
                                                   living_status=LivingStatus.ALIVE)
                  .values_list("pk", "region_id", "created_at", "certificate_issued_on"))
    visits: list[Visit] = []
    quarters = []
    quarter = add_months(period_start(due, 3), 3)
    while quarter <= today:
        quarters.append(quarter)
        quarter = add_months(quarter, 3)
    for pk, region_id, created_at, issued in people:
        officer = officers.get(region_id)
        first = min(timezone.localdate(created_at), issued) if issued else \
            timezone.localdate(created_at)
        census_end = min(due, today)
        if officer is None or rng.random() > CENSUS_SHARE or first > census_end:
            continue
        day = max(first, start + timedelta(days=rng.randint(0, (census_end - start).days)))
        visits.append(_visit(pk, region_id, officer, day, VisitPurpose.CENSUS, census, rng))
        for q in quarters:
            last = min(add_months(q, 3) - timedelta(days=1), today)
            if rng.random() < FOLLOW_UP_SHARE * ((last - q).days + 1) / 91:
                day = q + timedelta(days=rng.randint(0, (last - q).days))
                visits.append(_visit(pk, region_id, officer, day, VisitPurpose.FOLLOW_UP,
                                     None, rng))
    for chunk in range(0, len(visits), CHUNK):
        Visit.objects.bulk_create(visits[chunk:chunk + CHUNK])
    needs, cases = _needs_and_cases(visits, today, rng, staff)
    return {"visits": len(visits), "needs": needs, "cases": cases}


def _visit(person_id: int, region_id: str, officer: User, day: date, purpose: str,
           census: VisitRound | None, rng: random.Random) -> Visit:
    mode = rng.choices(["home", "phone", "at_office", "other"], [70, 22, 6, 2])[0]
    living = rng.choices(["with_family", "alone", "institution", "other"], [80, 14, 3, 3])[0]
    return Visit(person_id=person_id, region_id=region_id, visitor=officer, visited_on=day,
                 mode=mode, purpose=purpose, round=census,
                 people_met=rng.choice(PEOPLE_MET),
                 living_arrangement=living,
                 living_note=rng.choice(["生活基本稳定", "住房安全，收入偏低", "需要家人照护",
                                         "身体状况良好"]),
                 summary="宣传残疾人两项补贴等政策，了解家庭情况。")


def _needs_and_cases(visits: list[Visit], today: date, rng: random.Random,
                     staff: User) -> tuple[int, int]:
    units: dict[str, OrgUnit | None] = {}

    def unit_for(region_id: str, category: str) -> OrgUnit | None:
        key = f"{region_id[:9]}:{category}"
        if key not in units:
            units[key] = routing.route_unit(region_id, category)
        return units[key]

    kinds = [k.value for k in NeedKind]
    weights = [22, 18, 14, 10, 5, 8, 12, 4, 7]
    needs: list[VisitNeed] = []
    cases: list[Case] = []
    for visit in visits:
        if rng.random() > NEED_SHARE:
            continue
        kind = rng.choices(kinds, weights)[0]
        outcome = rng.choices([NeedOutcome.CASE, NeedOutcome.DEMAND, NeedOutcome.RESOLVED,
                               NeedOutcome.PENDING], [70, 18, 8, 4])[0]
        need = VisitNeed(visit=visit, person_id=visit.person_id, region_id=visit.region_id,
                         kind=kind, description=f"走访发现{NeedKind(kind).label}需求",
                         outcome=outcome,
                         decided_by=visit.visitor if outcome != NeedOutcome.PENDING else None,
                         decided_at=_at(visit.visited_on, rng)
                         if outcome != NeedOutcome.PENDING else None)
        if outcome == NeedOutcome.CASE:
            need.case = _case(CaseSource.VISIT, kind, visit.region_id, visit.visitor,
                              visit.visited_on, today, rng, unit_for, person_id=visit.person_id)
            cases.append(need.case)
        needs.append(need)
    # Requests that did not come from visits: help, hotline, petitions, proposals.
    regions = sorted({v.region_id for v in visits})
    for _ in range(max(len(cases) // 3, 10) if regions else 0):
        source = rng.choices([CaseSource.HELP, CaseSource.HOTLINE, CaseSource.PETITION,
                              CaseSource.SUGGESTION, CaseSource.PROPOSAL], [45, 25, 10, 15, 5])[0]
        kind = rng.choices(kinds, weights)[0]
        day = today - timedelta(days=rng.randint(0, 300))
        cases.append(_case(source, kind, rng.choice(regions), staff, day, today, rng,
                           unit_for))
    resident = User.objects.filter(role=Role.RESIDENT, username="resident").first()
    if resident is not None:
        cases.append(_case(CaseSource.SUGGESTION, "other", resident.region_id, resident,
                           today - timedelta(days=20), today, rng, unit_for,
                           status=CaseStatus.CONCLUDED, title="建议增加村里的康复活动"))
    saved = Case.objects.bulk_create(cases, batch_size=2000)
    for need in needs:
        need.case_id = need.case.pk if need.case else None
    VisitNeed.objects.bulk_create(needs, batch_size=CHUNK)
    CaseEvent.objects.bulk_create([e for c in saved for e in _events(c)], batch_size=CHUNK)
    return len(needs), len(saved)


def _case(source: str, kind: str, region_id: str, by: User, day: date, today: date,
          rng: random.Random, unit_for: Any, *, person_id: int | None = None,
          status: str | None = None, title: str = "") -> Case:
    rules = DEFAULT_DEADLINES[source]
    age = (today - day).days
    if status is None:
        status = rng.choices(
            [CaseStatus.CONFIRMED, CaseStatus.CONCLUDED, CaseStatus.IN_PROGRESS,
             CaseStatus.ACCEPTED, CaseStatus.REGISTERED, CaseStatus.RETURNED],
            [88, 4, 4, 1, 1, 2] if age > 45 else [30, 20, 30, 10, 10, 0])[0]
    registered = _at(day, rng)
    case = Case(source=source, category=kind, status=status, person_id=person_id,
                region_id=region_id, submitted_by=by, registered_at=registered,
                title=title or f"{NeedKind(kind).label}方面的{CaseSource(source).label}",
                description=f"{NeedKind(kind).label}方面的困难，请求帮助解决。",
                responsible_unit=unit_for(region_id, kind),
                accept_due_on=deadline_after(day, rules.accept_days, rules.unit))
    if status == CaseStatus.REGISTERED:
        return case
    if status == CaseStatus.RETURNED:
        case.return_reason = "不属于本单位职责，已告知向相关部门反映。"
        case.closed_at = _past(registered + timedelta(days=2))
        return case
    accepted_on = min(day + timedelta(days=rng.randint(0, 3)), today)
    case.accepted_at = _at(accepted_on, rng)
    case.due_on = deadline_after(accepted_on, rules.conclude_days, rules.unit)
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS):
        return case
    concluded_on = min(accepted_on + timedelta(days=rng.randint(3, 40)), today)
    case.concluded_at = _at(concluded_on, rng)
    case.days_to_conclude = (concluded_on - day).days
    case.reply = REPLIES[kind]
    if status == CaseStatus.CONFIRMED:
        case.satisfaction = rng.choices([Satisfaction.SATISFIED, Satisfaction.BASICALLY],
                                         [85, 15])[0]
        case.rated_at = case.closed_at = _past(
            case.concluded_at + timedelta(days=rng.randint(1, 7)))
    return case


def _events(case: Case) -> list[CaseEvent]:
    events = [CaseEvent(case=case, action=CaseAction.REGISTER, to_status=CaseStatus.REGISTERED,
                        at=case.registered_at, due_on=case.accept_due_on,
                        unit=case.responsible_unit, note=f"来源：{case.get_source_display()}")]
    steps = []
    if case.status == CaseStatus.RETURNED:
        steps.append((CaseAction.RETURN, CaseStatus.REGISTERED, CaseStatus.RETURNED,
                      case.closed_at, case.return_reason))
    if case.accepted_at:
        steps.append((CaseAction.ACCEPT, CaseStatus.REGISTERED, CaseStatus.ACCEPTED,
                      case.accepted_at, ""))
        if case.status != CaseStatus.ACCEPTED:
            steps.append((CaseAction.START, CaseStatus.ACCEPTED, CaseStatus.IN_PROGRESS,
                          _past(case.accepted_at + timedelta(hours=1)), ""))
    if case.concluded_at:
        steps.append((CaseAction.CONCLUDE, CaseStatus.IN_PROGRESS, CaseStatus.CONCLUDED,
                      case.concluded_at, case.reply))
    if case.status == CaseStatus.CONFIRMED:
        steps.append((CaseAction.RATE, CaseStatus.CONCLUDED, CaseStatus.CONFIRMED,
                      case.closed_at, f"评价：{case.get_satisfaction_display()}，回访确认销号。"))
    for action, before, after, at, note in steps:
        events.append(CaseEvent(case=case, action=action, from_status=before, to_status=after,
                                at=at, due_on=case.due_on or case.accept_due_on,
                                unit=case.responsible_unit, note=note))
    return events
