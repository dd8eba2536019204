"""Computing a quarter is set-based: the same number of queries for 3 officers as for 400
(issue #7 design: aggregate queries per quarter for all officers at once, not per officer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from canlian.appraisals.models import AppraisalResult
from canlian.appraisals.tests import helpers as h
from canlian.core.models import Region, User
from canlian.organizations.models import Member, OrgUnit, Post, PostHolding, UnitKind

pytestmark = pytest.mark.django_db
MAX_QUERIES = 25


def _county_of_officers(staff: User, count: int) -> None:
    """`count` more officers across the county's 232 villages: post holders of the village
    associations, half of them with a village-liaison account."""
    villages = list(Region.objects.filter(code__startswith="520322", level="village")
                    .order_by("code"))
    units = {u.region_id: u for u in OrgUnit.objects.filter(kind=UnitKind.VILLAGE_ASSOCIATION)}
    OrgUnit.objects.bulk_create([OrgUnit(kind=UnitKind.VILLAGE_ASSOCIATION, region=v,
                                         name=f"{v.name}残协")
                                 for v in villages if v.code not in units])
    units = {u.region_id: u for u in OrgUnit.objects.filter(kind=UnitKind.VILLAGE_ASSOCIATION)}
    accounts = User.objects.bulk_create([
        User(username=f"officer{n}", name=f"账户{n}", role="village_liaison",
             region=villages[n % len(villages)], password="!") for n in range(count // 2)])
    members = Member.objects.bulk_create([
        Member(name=f"委员{n}", region=villages[n % len(villages)],
               user=accounts[n] if n < len(accounts) else None) for n in range(count)])
    PostHolding.objects.bulk_create([
        PostHolding(unit=units[m.region_id], member=m, post=Post.LIAISON_OFFICER,
                    started_on=date(2024, 1, 1)) for m in members])


def _queries(compute: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        compute()
    return len(captured.captured_queries)


def test_computing_400_officers_takes_as_many_queries_as_3(
        personas: dict[str, User], regions: dict[str, str],
        django_assert_max_num_queries: Any) -> None:
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    h.scheme(staff)
    h.monthly_for_severe_alone(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    h.officer(regions["village_b"], personas["liaison_b"].name, user=personas["liaison_b"])
    for n, village in enumerate(Region.objects.filter(code__startswith="520322",
                                                      level="village")[:20]):
        somebody = h.person(village.code, grade=1 + n % 4, name=f"对象{n}")
        h.visit(somebody, liaison, date(2026, 1, 10 + n))
        h.case(village.code, staff, due_on=date(2026, 2, 1 + n), concluded_at=h.at(
            date(2026, 2, 1)))
    h.compute(staff)
    small = _queries(lambda: h.compute(staff))
    assert AppraisalResult.objects.count() == 2  # liaison_a's and liaison_b's posts

    _county_of_officers(staff, 400)
    with django_assert_max_num_queries(MAX_QUERIES):
        h.compute(staff)  # 400 new officers: one more INSERT, for the rows without an id yet
    assert AppraisalResult.objects.count() == 402
    assert _queries(lambda: h.compute(staff)) == small


@pytest.mark.parametrize("name", ["appraisals:quarter_detail", "appraisals:appeal_list",
                                  "appraisals:quarter_list"])
def test_list_pages_cost_the_same_for_30_officers(
        personas: dict[str, User], regions: dict[str, str], client: Any, name: str,
        django_assert_max_num_queries: Any) -> None:
    from django.urls import reverse
    from django.utils import timezone

    from canlian.appraisals.models import AppraisalAppeal

    staff = personas["county_staff"]
    for n in range(30):
        result = h.stored_result(regions["village_a"], by=staff, name=f"委员{n}",
                                 finalized=True)
        AppraisalAppeal.objects.create(result=result, reason="有异议", filed_by=staff,
                                       filed_at=timezone.now())
    kwargs = {"quarter_id": result.quarter_id} if name.endswith("detail") else {}
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_officer_page_costs_the_same_for_many_quarters(
        personas: dict[str, User], regions: dict[str, str], client: Any,
        django_assert_max_num_queries: Any) -> None:
    from django.urls import reverse

    liaison = personas["village_liaison"]
    result = h.stored_result(liaison.region_id, by=personas["county_staff"], user=liaison,
                             finalized=True)
    for year in range(2020, 2026):  # the same officer, earlier quarters of the county
        quarter = result.quarter
        quarter.pk, quarter.year = None, year
        quarter.save()
        AppraisalResult.objects.create(quarter=quarter, region_id=liaison.region_id,
                                       user=liaison, name=liaison.name)
    client.force_login(liaison)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("appraisals:my_results")).content.decode()
    assert page.count("季度</a>") == 7
