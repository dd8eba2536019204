"""The appraisal API returns the same scoped results as the pages (issue #7 item 7)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from canlian.appraisals import services
from canlian.appraisals.models import AppraisalResult
from canlian.appraisals.tests import helpers as h
from canlian.core.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def quarter(personas: dict[str, User], regions: dict[str, str]) -> object:
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    h.scheme(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    h.officer(regions["village_b"], personas["liaison_b"].name, user=personas["liaison_b"])
    h.visit(h.person(regions["village_a"]), liaison, date(2026, 2, 1))
    return h.compute(staff)


def _finalize(p: dict[str, User], quarter: object) -> None:
    for result in AppraisalResult.objects.all():
        services.manual_scores_save(actor=p["county_staff"], result=result,
                                    scores={"政策宣传与需求收集": "9", "工作纪律与台账资料": "8"})
    # 不相容岗位分离: another county staff account finalises what county_staff scored
    services.quarter_finalize(actor=p["county_staff_2"], quarter=quarter)  # type: ignore[arg-type]


def test_county_staff_list_and_read_results_with_kpis(
        personas: dict[str, User], quarter: object, client: Client) -> None:
    client.force_login(personas["county_staff"])
    listing = client.get("/api/v1/appraisal-results?year=2026&quarter=1").json()
    assert listing["count"] == 2
    mine = next(i for i in listing["items"] if i["name"] == personas["village_liaison"].name)
    assert mine["quarter_status"] == "draft" and mine["score"] == "65.00"
    detail = client.get(f"/api/v1/appraisal-results/{mine['id']}").json()
    assert [(k["key"], k["done"], k["expected"], k["points"]) for k in detail["kpis"]] == [
        ("visit_coverage", 1, 1, "30.00"), ("follow_up", 1, 1, "20.00"),
        ("cases", 0, 0, "15.00"), ("registry", 0, 5, "0.00")]
    assert [m["score"] for m in detail["manual_items"]] == [None, None]
    assert client.get("/api/v1/appraisal-results?quarter=2").json()["count"] == 0
    quarters = client.get("/api/v1/appraisal-quarters").json()
    assert [(q["label"], q["officer_count"]) for q in quarters] == [("2026年第1季度", 2)]


def test_officer_reads_only_own_finalized_result(
        personas: dict[str, User], quarter: object, client: Client) -> None:
    liaison = personas["village_liaison"]
    client.force_login(liaison)
    assert client.get("/api/v1/appraisal-results").json()["count"] == 0  # still a draft
    _finalize(personas, quarter)
    listing = client.get("/api/v1/appraisal-results").json()
    assert [i["name"] for i in listing["items"]] == [liaison.name]
    assert listing["items"][0]["amount"] == "351.00"
    theirs = AppraisalResult.objects.get(user=personas["liaison_b"])
    assert client.get(f"/api/v1/appraisal-results/{theirs.pk}").status_code == 404
    assert client.get("/api/v1/appraisal-quarters").status_code == 403


def test_township_staff_get_404_outside_their_township(
        personas: dict[str, User], quarter: object, client: Client) -> None:
    client.force_login(personas["township_staff"])
    names = [i["name"] for i in client.get("/api/v1/appraisal-results").json()["items"]]
    assert names == [personas["village_liaison"].name]
    theirs = AppraisalResult.objects.get(user=personas["liaison_b"])
    assert client.get(f"/api/v1/appraisal-results/{theirs.pk}").status_code == 404
