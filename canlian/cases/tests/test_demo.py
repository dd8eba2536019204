"""The cases demo hook of seed_demo: the seed-001 loop on the demo county's persons — census
visits inside the round, quarterly follow-ups, needs found, cases mostly 销号, never a visit
before the person entered the registry or after today."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.db.models import F
from django.utils import timezone

from canlian.cases import selectors
from canlian.cases.demo import census_window, seed_demo
from canlian.cases.models import Case, CaseStatus, Visit, VisitNeed, VisitPurpose, VisitRound
from canlian.core.models import User
from canlian.organizations.demo import seed_demo as organizations_seed_demo
from canlian.registry.demo import seed_demo as registry_seed_demo
from canlian.registry.models import Person

pytestmark = pytest.mark.django_db


def test_demo_visits_find_problems_and_most_are_closed(personas: dict[str, User]) -> None:
    registry_seed_demo(persons=600, stdout=StringIO())
    organizations_seed_demo(persons=600, stdout=StringIO())
    out = StringIO()
    seed_demo(persons=600, stdout=out)
    assert "演示走访与诉求" in out.getvalue()
    census = VisitRound.objects.get()
    today = timezone.localdate()
    visits = Visit.objects.all()
    # Each village's own 专职委员 visits it (issue 16 §18): villages without one have none.
    with_officer = User.objects.filter(role="village_liaison").values("region_id")
    registered_in_time = Person.objects.disabled().filter(
        living_status="alive", certificate_issued_on__lte=census.due_on,
        region_id__in=with_officer).count()
    assert visits.filter(purpose=VisitPurpose.CENSUS).count() > 0.8 * registered_in_time > 100
    assert not visits.filter(visited_on__gt=today).exists()
    assert not visits.filter(purpose=VisitPurpose.CENSUS, visited_on__gt=census.due_on).exists()
    assert not visits.filter(visited_on__lt=F("person__created_at__date"),
                             person__certificate_issued_on__isnull=True).exists()
    assert VisitNeed.objects.exists() and Case.objects.filter(source="visit").exists()
    cases = Case.objects.all()
    closed = cases.filter(status__in=[CaseStatus.CONCLUDED, CaseStatus.CONFIRMED]).count()
    assert closed / cases.count() > 0.6
    assert all(c.events.exists() for c in cases[:20])
    board = selectors.board_for(actor=personas["county_staff"])
    assert board["total"]["found"] == cases.filter(region__code__startswith="520322").count()
    again = StringIO()
    seed_demo(persons=600, stdout=again)
    assert "已存在" in again.getvalue() and Visit.objects.count() == visits.count()


@pytest.mark.parametrize(("today", "window"), [
    (date(2026, 12, 6), (date(2026, 1, 1), date(2026, 6, 30))),
    (date(2027, 1, 1), (date(2026, 4, 1), date(2026, 9, 30))),
    (date(2027, 6, 30), (date(2026, 7, 1), date(2026, 12, 31))),
    (date(2027, 7, 1), (date(2026, 10, 1), date(2027, 3, 31))),
])
def test_demo_census_is_the_half_year_before_the_two_quarters_the_appraisal_demo_scores(
        today: date, window: tuple[date, date]) -> None:
    # Whatever the day the demo is loaded, the last finished quarter and the one before it
    # come after the census, so they hold follow-up visits for the liaison KPIs.
    assert census_window(today) == window
