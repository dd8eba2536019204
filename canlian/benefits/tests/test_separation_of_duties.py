"""不相容岗位分离 (DESIGN.md "Data", DOMAIN.md §3.2), in the style of the jurisdiction matrix:
for an enrolment, whoever recorded the 申请 decides none of its review steps; each step is
decided by the role it names (乡镇初审: township staff; 县残联审核 and 民政审定: county staff) and
by an account that has decided no earlier step, so the two county steps take two county
accounts; the account that generated a payroll batch cannot approve it. The page does not
offer what the account cannot do and says why; the page and the API refuse alike
(issue 16 §3)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from canlian.benefits.models import Enrolment, EnrolmentStep, PayrollBatch, Policy
from canlian.benefits.tests.helpers import enrol, holder, load_catalog, with_account
from canlian.core.models import User

STEP_LABELS = {"township": "乡镇（街道）初审", "county": "县残联审核",
               "civil_affairs": "民政审定"}
ORDER = ["township", "county", "civil_affairs"]

# (who recorded 申请, who decided the earlier steps in order, step pending, who acts, outcome)
# outcome: "ok", "role" (wrong role), or a phrase of the separation-of-duties refusal.
REVIEW_MATRIX: list[tuple[str, tuple[str, ...], str, str, str]] = [
    ("village_liaison", (), "township", "township_staff", "ok"),
    ("township_staff", (), "township", "township_staff", "本申请由您登记"),
    ("village_liaison", (), "township", "county_staff", "role"),
    ("village_liaison", ("township_staff",), "county", "county_staff", "ok"),
    ("county_staff", ("township_staff",), "county", "county_staff", "本申请由您登记"),
    ("village_liaison", ("township_staff",), "county", "township_staff", "role"),
    ("village_liaison", ("township_staff", "county_staff"), "civil_affairs",
     "county_staff_2", "ok"),
    ("village_liaison", ("township_staff", "county_staff"), "civil_affairs",
     "county_staff", "您已办理本申请的“县残联审核”"),
    ("county_staff_2", ("township_staff", "county_staff"), "civil_affairs",
     "county_staff_2", "本申请由您登记"),
    ("village_liaison", ("township_staff", "county_staff"), "civil_affairs",
     "township_staff", "role"),
]


@pytest.fixture
def care(regions: dict[str, str]) -> Policy:
    return load_catalog()["care_subsidy"]


def _pending(village: str, care: Policy, p: dict[str, User], applicant: str,
             done: tuple[str, ...], step: str) -> Enrolment:
    enrolment = Enrolment.objects.create(
        person=holder(village, grade=1, care=True), policy=care, region_id=village,
        applied_month=date(2026, 1, 1), next_step=step, applied_by=p[applicant])
    EnrolmentStep.objects.create(enrolment=enrolment, action="申请", actor=p[applicant])
    for earlier, who in zip(ORDER, done, strict=False):
        EnrolmentStep.objects.create(enrolment=enrolment, action=STEP_LABELS[earlier],
                                     actor=p[who])
    return enrolment


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_review_step_by_its_role_and_another_account(
    personas: dict[str, User], regions: dict[str, str], care: Policy
) -> None:
    failures: list[str] = []
    for applicant, done, step, actor, outcome in REVIEW_MATRIX:
        case = f"{applicant} applied, {done} decided, {actor} at {step}"
        client = _client(personas[actor])
        # The page: the form only for whoever may decide; a separation refusal is explained.
        html_case = _pending(regions["village_a"], care, personas, applicant, done, step)
        url = reverse("benefits:enrolment_detail", args=[html_case.pk])
        page = client.get(url).content.decode()
        if ("提交审核意见" in page) != (outcome == "ok"):
            failures.append(f"{case}: form offered={'提交审核意见' in page}")
        if outcome not in ("ok", "role") and outcome not in page:
            failures.append(f"{case}: page does not say {outcome}")
        posted = client.post(url, {"decision": "approve", "version": 0, "note": "同意"},
                             follow=True).content.decode()
        html_case.refresh_from_db()
        moved = html_case.version > 0
        if moved != (outcome == "ok"):
            failures.append(f"{case}: page post moved={moved}")
        expected = "不能办理" if outcome == "role" else outcome
        if outcome != "ok" and expected not in posted:
            failures.append(f"{case}: page post does not say {expected}")
        # The API: the same decision, 200 or 403 with the same message.
        api_case = _pending(regions["village_a"], care, personas, applicant, done, step)
        response = client.post(f"/api/v1/enrolments/{api_case.pk}/review",
                               data=json.dumps({"approve": True, "note": "同意", "version": 0}),
                               content_type="application/json")
        status = 200 if outcome == "ok" else 403
        if response.status_code != status:
            failures.append(f"{case}: API {response.status_code}, expected {status}")
        elif outcome != "ok" and expected not in response.json()["detail"]:
            failures.append(f"{case}: API does not say {expected}")
    assert failures == []


def test_the_account_that_generated_a_batch_cannot_approve_it(
    personas: dict[str, User], regions: dict[str, str], care: Policy, settings: Any
) -> None:
    from canlian.benefits.payroll import payroll_generate

    generator, other = personas["county_staff"], personas["county_staff_2"]
    enrol(with_account(holder(regions["village_a"], grade=1, care=True)), care,
          date(2026, 1, 1), generator)
    batch = payroll_generate(actor=generator, policy=care, period_start=date(2026, 3, 1))
    url = reverse("benefits:batch_detail", args=[batch.pk])
    mine = _client(generator)
    page = mine.get(url).content.decode()
    assert "审核通过</button>" not in page
    assert "本批次由您生成，须由另一名县残联工作人员审核" in page
    refused = mine.post(reverse("benefits:batch_approve", args=[batch.pk]),
                        follow=True).content.decode()
    assert "不相容岗位分离" in refused
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == ("draft", None)
    theirs = _client(other)
    assert "审核通过</button>" in theirs.get(url).content.decode()
    theirs.post(reverse("benefits:batch_approve", args=[batch.pk]))
    batch = PayrollBatch.objects.get(pk=batch.pk)
    assert (batch.status, batch.approved_by) == ("approved", other)
