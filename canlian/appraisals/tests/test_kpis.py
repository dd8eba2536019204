"""The KPIs of a crafted quarter (2026 Q1) against a hand-computed score (issue #7 "Tests").

Scheme (rules.DEFAULT_RULES): 走访覆盖率 30, 按期回访率 20, 诉求按期办结率 15, 基础数据更新 15
(target 5 persons), manual items 10 + 10; tiers ≥ 90 → 100 %, ≥ 80 → 90 %, ≥ 60 → 70 %, else 0;
390 yuan a quarter. 重残独居 are visited monthly (seed 004), everyone else quarterly (seed 001).

Village A, officer 杨秀英 (post holder linked to the liaison_a account):
- persons due: P1–P3 (grade 3, quarterly), P4–P5 (grade 1–2 living alone, monthly) = 5;
  P6 registered during the quarter, P7 dead, P8 without a disability category: not due.
- visits: P1 2/10, P2 1/5 (and 2025-12-20), P3 3/31, P4 1/15 and 3/2, P5 none, P6 2/20
  → visited 4 of 5 → 30 × 4/5 = 24.00
  → periods: P1–P3 one each (3, all on time), P4 three (Jan, Mar on time), P5 three (none)
    = 5 of 9 → 20 × 5/9 = 11.11
- cases due in the quarter: C1 (due 2/10, concluded 2/9), C2 (due 3/15, concluded 3/20),
  C3 (due 3/30, still in progress), C6 (due 1/20, concluded 1/21 00:30 Beijing time — late,
  although it was still 1/20 in UTC); C4 returned and C5 due in April do not count
  → 1 of 4 → 15 × 1/4 = 3.75
- registry: direct edits of P1 (twice) and P3, an approved change request for P4 and one for P1
  (already counted), a rejected one for P5, an edit in April → 3 persons → 15 × 3/5 = 9.00
- KPI points 24.00 + 11.11 + 3.75 + 9.00 = 47.86; manual 8.5 + 9 = 17.50 → 65.36 → 合格,
  70 % of 390 = 273.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from canlian.appraisals import services
from canlian.appraisals.kpis import visit_counts
from canlian.appraisals.models import AppraisalResult
from canlian.appraisals.rules import Quarter
from canlian.appraisals.tests import helpers as h
from canlian.core.models import Region, User
from canlian.registry.models import ChangeStatus, LivingStatus, Person, PersonChangeRequest
from canlian.registry.tests.factories import make_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter_data(personas: dict[str, User], regions: dict[str, str]) -> dict[str, Any]:
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    a, a2 = regions["village_a"], regions["village_a2"]
    h.scheme(staff)
    h.monthly_for_severe_alone(staff)
    h.officer(a, "杨秀英", user=liaison)
    h.officer(a2, "刘国华")  # no account
    h.officer(a2, "王前任", started_on=date(2020, 1, 1), ended_on=date(2025, 12, 31))

    p1, p2, p3 = (h.person(a, name=n) for n in ("甲一", "甲二", "甲三"))
    p4 = h.person(a, grade=1, name="甲四")
    p5 = h.person(a, grade=2, name="甲五")
    p6 = h.person(a, name="甲六", registered=h.at(date(2026, 2, 1)))
    p7 = h.person(a, name="甲七", living_status=LivingStatus.DECEASED)
    h.person(a, name="甲八")
    Person.objects.filter(name="甲八").update(category=None, grade=None)
    p9 = h.person(a2, name="乙一")

    for who, day in [(p1, date(2026, 2, 10)), (p2, date(2026, 1, 5)), (p2, date(2025, 12, 20)),
                     (p3, date(2026, 3, 31)), (p4, date(2026, 1, 15)), (p4, date(2026, 3, 2)),
                     (p6, date(2026, 2, 20)), (p7, date(2026, 1, 10)), (p9, date(2026, 4, 2))]:
        h.visit(who, liaison, day)

    h.case(a, staff, due_on=date(2026, 2, 10), concluded_at=h.at(date(2026, 2, 9)))
    h.case(a, staff, due_on=date(2026, 3, 15), concluded_at=h.at(date(2026, 3, 20)))
    h.case(a, staff, due_on=date(2026, 3, 30), status="in_progress")
    h.case(a, staff, due_on=date(2026, 3, 1), status="returned")
    h.case(a, staff, due_on=date(2026, 4, 15), status="in_progress")
    h.case(a, staff, due_on=date(2026, 1, 20), concluded_at=h.at(date(2026, 1, 21), 0, 30))

    h.registry_edit(p1, liaison, date(2026, 1, 8), address="一组")
    h.registry_edit(p1, liaison, date(2026, 2, 8), address="二组")
    h.registry_edit(p3, liaison, date(2026, 3, 3), address="三组")
    h.registry_edit(p5, liaison, date(2026, 4, 3), address="四组")
    h.registry_edit(p9, personas["township_staff"], date(2026, 2, 3), address="五组")
    for who, status, day in [(p4, ChangeStatus.APPROVED, date(2026, 2, 14)),
                             (p1, ChangeStatus.APPROVED, date(2026, 3, 14)),
                             (p5, ChangeStatus.REJECTED, date(2026, 3, 14))]:
        PersonChangeRequest.objects.create(
            person=who, region_id=a, name=who.name, payload={}, status=status,
            requested_by=liaison, decided_by=personas["township_staff"],
            decided_at=h.at(day))
    return {"a": a, "a2": a2}


def _result(**lookup: Any) -> AppraisalResult:
    return AppraisalResult.objects.get(**lookup)


def test_crafted_quarter_gives_the_hand_computed_kpis_and_score(
        personas: dict[str, User], quarter_data: dict[str, Any]) -> None:
    quarter = h.compute(personas["county_staff"])
    mine = _result(quarter=quarter, user=personas["village_liaison"])
    assert (mine.persons_due, mine.persons_visited) == (5, 4)
    assert (mine.periods_due, mine.periods_on_time) == (9, 5)
    assert (mine.cases_due, mine.cases_on_time) == (4, 1)
    assert mine.registry_updates == 3
    assert mine.points == {"visit_coverage": "24.00", "follow_up": "11.11", "cases": "3.75",
                           "registry": "9.00"}
    assert mine.score == Decimal("47.86") and not mine.manual_complete

    scored = services.manual_scores_save(
        actor=personas["township_staff"], result=mine,
        scores={"政策宣传与需求收集": "8.5", "工作纪律与台账资料": "9"})
    assert scored.manual_points == Decimal("17.50")
    assert scored.score == Decimal("65.36")
    assert (scored.tier_label, scored.tier_percent, scored.amount) == ("合格", 70,
                                                                      Decimal("273.00"))


def test_officer_without_account_is_scored_on_the_village_and_gets_no_registry_points(
        personas: dict[str, User], quarter_data: dict[str, Any]) -> None:
    quarter = h.compute(personas["county_staff"])
    other = _result(quarter=quarter, name="刘国华")
    assert other.region_id == quarter_data["a2"] and other.user_id is None
    # 乙一 was visited in April only; no case fell due in A2 (full 15); no account, no updates.
    assert (other.persons_due, other.persons_visited, other.periods_due) == (1, 0, 1)
    assert other.points == {"visit_coverage": "0.00", "follow_up": "0.00", "cases": "15.00",
                            "registry": "0.00"}


def test_roster_is_the_village_liaison_posts_an_account_counts_through_its_post(
        personas: dict[str, User], quarter_data: dict[str, Any], regions: dict[str, str]) -> None:
    """Issue #16 §12: one source of who serves a village, the 专职委员 posts of 组织体系 (as the
    due lists and the gap lists read it): a liaison account with no recorded post is not
    appraised as anybody's officer; once its member holds the post, it is."""
    quarter = h.compute(personas["county_staff"])
    names = sorted(quarter.results.values_list("name", flat=True))
    # The term that ended in 2025 is not appraised, nor liaison_b's account without a post.
    assert names == sorted(["杨秀英", "刘国华"])
    assert quarter.officer_count == 2
    h.officer(regions["village_b"], personas["liaison_b"].name, user=personas["liaison_b"])
    quarter = h.compute(personas["county_staff"])
    b = _result(quarter=quarter, user=personas["liaison_b"])
    assert b.member_id is not None and b.region_id == regions["village_b"]
    assert b.score == Decimal("65.00")  # village B: no persons, no cases
    assert quarter.officer_count == 3


def test_visit_schedule_is_the_one_the_due_list_applies(quarter_data: dict[str, Any]) -> None:
    """The appraisal counts visits against the same schedule the officer's due list shows
    (canlian.cases.due): monthly for 甲四 and 甲五, quarterly for the others."""
    from canlian.appraisals.kpis import interval_expression
    from canlian.cases import due

    plan = due.plan_for("520322000000", h.Q1.end)
    persons = Person.objects.filter(region__code__startswith="520322")
    listed = {p.pk: p.due_interval for p in due.DueList(persons, plan, list(due.DueState.LABELS))}
    mine = dict(persons.filter(pk__in=listed).annotate(m=interval_expression(plan))
                .values_list("pk", "m"))
    assert mine == listed
    monthly = set(Person.objects.filter(pk__in=[k for k, v in mine.items() if v == 1])
                  .values_list("name", flat=True))
    assert monthly == {"甲四", "甲五"}


def test_visit_coverage_counts_disabled_persons_not_household_members(
        regions: dict[str, str]) -> None:
    """Issue 16 §6: 走访覆盖率 is over disabled persons; a disabled head's spouse and child
    without a disability are not persons due a visit."""
    head, _ = make_family(region_code=regions["village_a"])
    Person.objects.filter(household=head.household).update(created_at=h.BEFORE)
    county = Region.objects.get(code=regions["county"])
    counts = visit_counts(county, Quarter(2026, 1))
    assert counts[regions["village_a"]]["persons_due"] == 1
