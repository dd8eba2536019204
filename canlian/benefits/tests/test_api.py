"""The benefits JSON API (issue #6 part 3): same services and scoping as the pages.

Personas: county staff sees the county; the 楚米镇 township officer sees villages A and A2;
liaison A sees village A only, liaison B (松坎镇) never A's people; the leader reads only; a
resident is refused. Rows of 汉阴县 are outside everyone's jurisdiction here (404).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from canlian.benefits.eligibility import eligibility_run_execute, eligibility_run_start
from canlian.benefits.models import Enrolment, EnrolmentStatus, Policy
from canlian.benefits.months import this_month
from canlian.benefits.payroll import payroll_generate
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.benefits.tests.matrix_samples import OTHER_VILLAGE, _other_county_policy
from canlian.core.models import User
from canlian.registry.models import Person

MARCH = date(2026, 3, 1)
THIS_MONTH = f"{this_month():%Y-%m}"


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


@pytest.fixture
def people(catalog: dict[str, Policy], regions: dict[str, str],
           personas: dict[str, User]) -> dict[str, Person]:
    """Care-subsidy holders: enrolled in villages A and B, one not yet enrolled in A."""
    care, staff = catalog["care_subsidy"], personas["county_staff"]
    a = holder(regions["village_a"], name="甲村在册", grade=1, care=True)
    b = holder(regions["village_b"], name="乙村在册", grade=2, care=True)
    new = holder(regions["village_a"], name="甲村待纳入", grade=1, care=True)
    for person in (a, b):
        enrol(person, care, date(2026, 1, 1), staff)
    return {"a": a, "b": b, "new": new}


def api(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def get(client: Client, user: User, url: str) -> Any:
    return api(client, user).get(f"/api/v1{url}")


def post(client: Client, user: User, url: str, body: dict[str, Any]) -> Any:
    return api(client, user).post(f"/api/v1{url}", data=body, content_type="application/json")


# ------------------------------------------------------------------ policies


def test_policy_detail_has_the_rule_in_force_its_version_and_rates(
        catalog: dict[str, Policy], personas: dict[str, User], client: Client) -> None:
    response = get(client, personas["leader"], "/policies/care_subsidy")
    assert response.status_code == 200
    data = response.json()
    assert data["rule"].startswith("enrolable and grade in (1, 2)")
    assert data["rule_version"] == 1
    assert [(r["label"], r["amount"], r["effective_from"]) for r in data["rates"]] == [
        ("一级", "120.00", "2016-01"), ("二级", "80.00", "2016-01")]


def test_policy_list_is_the_catalog_of_the_actors_area(
        catalog: dict[str, Policy], personas: dict[str, User], client: Client) -> None:
    _other_county_policy()
    codes = [p["code"] for p in get(client, personas["village_liaison"], "/policies").json()]
    assert len(codes) == 8 and "hy_living" not in codes
    assert get(client, personas["county_staff"], "/policies/hy_living").status_code == 404
    assert get(client, personas["resident"], "/policies").status_code == 403


# ------------------------------------------------------------------ eligibility runs


@pytest.fixture
def run_id(people: dict[str, Person], personas: dict[str, User]) -> int:
    run = eligibility_run_start(actor=personas["county_staff"], month=MARCH)
    eligibility_run_execute(run=run)
    return run.pk


def test_a_county_run_is_seen_by_the_township_with_only_its_own_gaps(
        run_id: int, people: dict[str, Person], personas: dict[str, User],
        client: Client) -> None:
    runs = get(client, personas["township_staff"], "/eligibility-runs").json()
    assert [r["id"] for r in runs["items"]] == [run_id] and runs["count"] == 1
    assert runs["items"][0]["summary"]["care_subsidy"]["to_enrol"] == 1
    gaps = get(client, personas["township_staff"],
               f"/eligibility-runs/{run_id}/gaps?policy=care_subsidy&kind=to_enrol").json()
    assert gaps["count"] == 1
    gap = gaps["items"][0]
    assert (gap["person_id"], gap["name"], gap["amount"]) == (people["new"].pk, "甲村待纳入",
                                                              "120.00")
    other = get(client, personas["liaison_b"], f"/eligibility-runs/{run_id}/gaps").json()
    assert other["count"] >= 1  # village B's own (乙村在册 is due the medical-insurance aid)
    assert {g["person_id"] for g in other["items"]} == {people["b"].pk}


def test_gaps_filter_by_kind_and_paginate(run_id: int, personas: dict[str, User],
                                          client: Client) -> None:
    staff = personas["county_staff"]
    assert get(client, staff, f"/eligibility-runs/{run_id}/gaps?kind=to_stop").json()[
        "count"] == 0
    page = get(client, staff, f"/eligibility-runs/{run_id}/gaps?limit=1&offset=5").json()
    assert page["items"] == [] and page["count"] >= 1
    assert get(client, staff, f"/eligibility-runs/{run_id}/gaps?kind=x").status_code == 422


def test_another_countys_run_is_404(run_id: int, personas: dict[str, User],
                                    client: Client) -> None:
    from canlian.benefits.models import EligibilityRun

    theirs = EligibilityRun.objects.create(month=MARCH, started_by=personas["other_county_admin"],
                                           region_id="610921000000")
    assert get(client, personas["county_staff"],
               f"/eligibility-runs/{theirs.pk}/gaps").status_code == 404


# ------------------------------------------------------------------ enrolments


def test_enrolment_lists_are_scoped_and_filtered(people: dict[str, Person],
                                                 personas: dict[str, User],
                                                 client: Client) -> None:
    mine = get(client, personas["village_liaison"], "/enrolments").json()
    assert [e["name"] for e in mine["items"]] == ["甲村在册"]
    county = get(client, personas["county_staff"], "/enrolments?status=enrolled").json()
    assert county["count"] == 2
    assert get(client, personas["county_staff"], "/enrolments?status=pending").json()[
        "count"] == 0
    assert get(client, personas["county_staff"], "/enrolments?policy=living_allowance"
               ).json()["count"] == 0
    a_enrolment = Enrolment.objects.get(person=people["a"])
    assert get(client, personas["liaison_b"],
               f"/enrolments/{a_enrolment.pk}").status_code == 404


def test_enrolment_list_query_count_is_flat(people: dict[str, Person],
                                            personas: dict[str, User], client: Client,
                                            django_assert_max_num_queries: Any) -> None:
    api(client, personas["county_staff"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/enrolments").status_code == 200


def test_apply_then_review_through_the_chain(people: dict[str, Person],
                                             personas: dict[str, User],
                                             client: Client) -> None:
    response = post(client, personas["village_liaison"], "/enrolments",
                    {"person_id": people["new"].pk, "policy": "care_subsidy",
                     "applied_month": THIS_MONTH, "note": "本人申请"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["status"], created["next_step"], created["applied_month"]) == (
        "pending", "township", THIS_MONTH)
    url = f"/enrolments/{created['id']}/review"
    # 乡镇初审 by the township; 县残联审核 is not the township's step (403).
    first = post(client, personas["township_staff"], url,
                 {"approve": True, "note": "同意", "version": 0})
    assert first.status_code == 200
    assert first.json()["next_step"] == "county"
    assert post(client, personas["township_staff"], url,
                {"approve": True, "version": 1}).status_code == 403
    # A stale version: someone else decided in between.
    assert post(client, personas["county_staff"], url,
                {"approve": True, "version": 0}).status_code == 409
    post(client, personas["county_staff"], url, {"approve": True, "version": 1})
    done = post(client, personas["county_staff_2"], url, {"approve": True, "version": 2}).json()
    assert (done["status"], done["start_month"]) == ("enrolled", THIS_MONTH)
    assert [s["action"] for s in done["steps"]] == ["申请", "乡镇（街道）初审", "县残联审核",
                                                    "民政审定"]


def test_refusal_needs_a_reason(people: dict[str, Person], personas: dict[str, User],
                                client: Client) -> None:
    created = post(client, personas["county_staff"], "/enrolments",
                   {"person_id": people["new"].pk, "policy": "care_subsidy",
                    "applied_month": THIS_MONTH}).json()
    response = post(client, personas["township_staff"], f"/enrolments/{created['id']}/review",
                    {"approve": False, "note": " ", "version": 0})
    assert response.status_code == 400
    assert response.json() == {"detail": "不予通过须填写理由。"}


def test_apply_refusals(people: dict[str, Person], catalog: dict[str, Policy],
                        regions: dict[str, str], personas: dict[str, User],
                        client: Client) -> None:
    staff = personas["county_staff"]

    def apply(user: User, person: Person, policy: str = "care_subsidy",
              month: str = THIS_MONTH) -> Any:
        return post(client, user, "/enrolments",
                    {"person_id": person.pk, "policy": policy, "applied_month": month})

    already = apply(staff, people["a"])
    assert already.status_code == 409
    assert "不能重复申请" in already.json()["detail"]
    mild = holder(regions["village_a"], grade=4)
    refused = apply(staff, mild)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("不符合重度残疾人护理补贴的条件")
    assert apply(staff, people["new"], month="2026-13").status_code == 400
    assert apply(staff, people["new"], policy="no_such").status_code == 404
    assert apply(personas["liaison_b"], people["new"]).status_code == 404
    assert apply(staff, holder(OTHER_VILLAGE, grade=1, care=True)).status_code == 404
    assert apply(personas["leader"], people["new"]).status_code == 403
    assert Enrolment.objects.filter(status=EnrolmentStatus.PENDING).count() == 0


# ------------------------------------------------------------------ payroll


@pytest.fixture
def batch_id(people: dict[str, Person], catalog: dict[str, Policy],
             personas: dict[str, User]) -> int:
    return payroll_generate(actor=personas["county_staff"], policy=catalog["care_subsidy"],
                            period_start=MARCH).pk


def test_batch_totals_and_lines_are_the_actors_share(batch_id: int, people: dict[str, Person],
                                                     personas: dict[str, User],
                                                     client: Client) -> None:
    county = get(client, personas["county_staff"], f"/payroll-batches/{batch_id}").json()
    assert (county["line_count"], county["total"], county["period_start"]) == (
        2, "200.00", "2026-03")
    township = get(client, personas["township_staff"], "/payroll-batches").json()
    assert township["count"] == 1
    assert (township["items"][0]["line_count"], township["items"][0]["total"]) == (1, "120.00")
    lines = get(client, personas["township_staff"],
                f"/payroll-batches/{batch_id}/lines").json()
    assert [(line["name"], line["amount"], line["period"]) for line in lines["items"]] == [
        ("甲村在册", "120.00", "2026-03")]
    assert get(client, personas["county_staff"],
               f"/payroll-batches/{batch_id}/lines?status=paid").json()["count"] == 0
    assert get(client, personas["resident"],
               f"/payroll-batches/{batch_id}").status_code == 403


def test_another_countys_batch_is_404(batch_id: int, personas: dict[str, User],
                                      client: Client) -> None:
    from canlian.benefits.models import PayrollBatch

    theirs = PayrollBatch.objects.create(policy=_other_county_policy(), region_id="610921000000",
                                         period_start=MARCH, period_end=MARCH, rule_version=1,
                                         generated_by=personas["other_county_admin"])
    for url in (f"/payroll-batches/{theirs.pk}", f"/payroll-batches/{theirs.pk}/lines"):
        assert get(client, personas["county_staff"], url).status_code == 404
