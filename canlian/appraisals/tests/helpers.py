"""Test data for the appraisal: the county's scheme (through the service), liaison officers as
post holders of village associations, persons of a village, visits, cases and registry edits
on chosen dates, and a clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from canlian.appraisals import services
from canlian.appraisals.models import (
    AppraisalQuarter,
    AppraisalResult,
    AppraisalScheme,
    QuarterStatus,
    county_code,
)
from canlian.appraisals.rules import DEFAULT_RULES, Quarter, Rules
from canlian.cases.models import Case, Visit, VisitSchedule
from canlian.core.models import Region, User
from canlian.organizations.models import Member, OrgUnit, Post, PostHolding, UnitKind
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person

TZ = ZoneInfo("Asia/Shanghai")
Q1 = Quarter(2026, 1)
AFTER_Q1 = date(2026, 4, 10)  # a working day after the quarter: computing is allowed
BEFORE = datetime(2025, 6, 1, 9, tzinfo=TZ)  # persons were in the registry before the quarter


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@contextmanager
def on(day: date, hour: int = 10) -> Iterator[None]:
    """Freeze the clock at `day` (Asia/Shanghai)."""
    with time_machine.travel(at(day, hour), tick=False):
        yield


def scheme(actor: User, rules: Rules = DEFAULT_RULES, starts: Quarter = Q1) -> Any:
    return services.scheme_save(actor=actor, starts=starts, rules=rules)


def compute(actor: User, period: Quarter = Q1, today: date = AFTER_Q1) -> AppraisalQuarter:
    with on(today):
        return services.quarter_compute(actor=actor, period=period)


def association(village: str) -> OrgUnit:
    region = Region.objects.get(code=village)
    found = OrgUnit.objects.filter(kind=UnitKind.VILLAGE_ASSOCIATION, region=region).first()
    return found or OrgUnit.objects.create(kind=UnitKind.VILLAGE_ASSOCIATION,
                                           name=f"{region.name}残协", region=region)


def officer(village: str, name: str, *, user: User | None = None,
            started_on: date = date(2024, 1, 1), ended_on: date | None = None) -> Member:
    """A 专职委员 of the village association, optionally linked to a system account."""
    member = Member.objects.create(name=name, region_id=village, user=user)
    PostHolding.objects.create(unit=association(village), member=member,
                               post=Post.LIAISON_OFFICER, started_on=started_on,
                               ended_on=ended_on)
    return member


def person(village: str, *, grade: int = 3, name: str = "走访对象", registered: datetime = BEFORE,
           **fields: Any) -> Person:
    """A disabled person living alone (their own household), in the registry since
    `registered`."""
    made = make_person(region_code=village, name=name, category=4, grade=grade, **fields)
    Person.objects.filter(pk=made.pk).update(created_at=registered)
    return made


def visit(who: Person, by: User, day: date) -> Visit:
    return Visit.objects.create(person=who, region_id=who.region_id, visitor=by, visited_on=day,
                                mode="home", purpose="follow_up", people_met="本人",
                                living_arrangement="alone")


def monthly_for_severe_alone(county_staff: User) -> VisitSchedule:
    """Seed 004's special-hardship households: 重残独居 visited every month."""
    return VisitSchedule.objects.create(name="重残独居 每月走访", region=county_staff.region,
                                        interval_months=1, conditions=["severe", "alone"],
                                        created_by=county_staff)


def case(village: str, by: User, *, due_on: date, status: str = "concluded",
         concluded_at: datetime | None = None) -> Case:
    return Case.objects.create(
        source="help", category="device", title="需要轮椅", description="出行困难",
        status=status, region_id=village, submitted_by=by, registered_at=at(date(2026, 1, 2)),
        accept_due_on=date(2026, 1, 5), due_on=due_on, concluded_at=concluded_at)


def registry_edit(who: Person, by: User, day: date, **changes: Any) -> None:
    """A direct edit as the registry service makes it: simple-history records `by` and `day`."""
    with on(day):
        locked = Person.objects.get(pk=who.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save()


def stored_result(region_code: str, *, by: User, user: User | None = None,
                  name: str = "专职委员", finalized: bool = False, score: str = "72.50"
                  ) -> AppraisalResult:
    """A result stored as computing would leave it (any county, no KPI data needed): the
    county's scheme and quarter are made on first use."""
    from django.utils import timezone

    county = county_code(region_code)
    scheme_row = AppraisalScheme.objects.filter(county_id=county).first()
    if scheme_row is None:
        data = DEFAULT_RULES.to_json()
        scheme_row = AppraisalScheme.objects.create(
            county_id=county, effective_from=Q1.start, registry_target=5,
            **{f"weight_{k}": v for k, v in DEFAULT_RULES.weights.items()},
            manual_items=data["manual_items"], tiers=data["tiers"],
            quarterly_amount=DEFAULT_RULES.quarterly_amount, appeal_days=10, created_by=by)
    # Finalised results live in 2026 Q1, drafts in Q2, so both kinds can be asked for.
    period = Q1 if finalized else Q1.next()
    status = QuarterStatus.FINALIZED if finalized else QuarterStatus.DRAFT
    quarter, _ = AppraisalQuarter.objects.get_or_create(
        county_id=county, year=period.year, number=period.number,
        defaults={"status": status, "scheme": scheme_row, "rules": scheme_row.rules.to_json(),
                  "computed_at": timezone.now(), "computed_by": by,
                  "finalized_at": timezone.now() if finalized else None,
                  "finalized_by": by if finalized else None})
    if user is not None and (found := quarter.results.filter(user=user).first()):
        return found
    member = None if user is not None else Member.objects.create(name=name,
                                                                 region_id=region_code)
    return AppraisalResult.objects.create(
        quarter=quarter, region_id=region_code, user=user, member=member, name=name,
        persons_due=10, persons_visited=8, periods_due=10, periods_on_time=8,
        points={"visit_coverage": "24.00", "follow_up": "16.00", "cases": "15.00",
                "registry": "0.00"},
        computed_score=Decimal(score), score=Decimal(score), tier_label="合格",
        tier_percent=70, amount=Decimal("273.00"))
