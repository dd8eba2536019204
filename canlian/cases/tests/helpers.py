"""Test helpers for visits and cases: disabled persons, visits through the service, a clock,
and the demo county's federations so cases are routed as in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from canlian.cases import visits
from canlian.cases.models import Visit
from canlian.core.models import Region, User
from canlian.organizations.models import OrgUnit, UnitKind
from canlian.registry.models import Household, Person
from canlian.registry.tests.factories import make_person

TZ = ZoneInfo("Asia/Shanghai")


@contextmanager
def on(day: date, hour: int = 10) -> Iterator[None]:
    """Freeze the clock at `day` (Asia/Shanghai)."""
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False):
        yield


def disabled(region_code: str, *, grade: int = 3, category: int = 4, name: str = "走访对象",
             household: Household | None = None, **fields: Any) -> Person:
    return make_person(region_code=region_code, name=name, category=category, grade=grade,
                       household=household, head=household is None, **fields)


def visit(person: Person, officer: User, day: date, **fields: Any) -> Visit:
    """A visit recorded on its own day by the officer (the service refuses future dates)."""
    values: dict[str, Any] = {"mode": "home", "people_met": "本人",
                              "living_arrangement": "with_family"}
    values.update(fields)
    with on(day):
        return visits.visit_record(actor=officer, person=person, visited_on=day, **values)


def federations(county: str = "520322000000", township: str = "520322101000"
                ) -> tuple[OrgUnit, OrgUnit]:
    """The county federation and a township federation under it."""
    county_unit = OrgUnit.objects.create(kind=UnitKind.COUNTY_FEDERATION, name="桐梓县残联",
                                         region=Region.objects.get(code=county))
    town = Region.objects.get(code=township)
    township_unit = OrgUnit.objects.create(kind=UnitKind.TOWNSHIP_FEDERATION,
                                           name=f"{town.name}残联", region=town,
                                           parent=county_unit)
    return county_unit, township_unit
