"""The appraisal pages as each user works them: county staff compute, finalise and export the
payment list; township staff score their own officers; an officer reads their own finalised
result and appeals; county staff record the outcome; the scheme page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from canlian.appraisals.models import (
    AppealStatus,
    AppraisalAppeal,
    AppraisalQuarter,
    AppraisalResult,
    AppraisalScheme,
)
from canlian.appraisals.tests import helpers as h
from canlian.core.models import AuditAction, AuditEvent, TaskRun, User

pytestmark = pytest.mark.django_db
SCORES = {"item_1": "9", "item_2": "8.5"}


@pytest.fixture
def county(personas: dict[str, User], regions: dict[str, str]) -> dict[str, User]:
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    h.scheme(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    h.officer(regions["village_a2"], "刘国华")
    h.officer(regions["village_b"], personas["liaison_b"].name, user=personas["liaison_b"])
    h.visit(h.person(regions["village_a"]), liaison, date(2026, 2, 1))
    return personas


def _compute(client: Client, staff: User) -> AppraisalQuarter:
    client.force_login(staff)
    with h.on(h.AFTER_Q1):
        response = client.post(reverse("appraisals:quarter_compute"), {"quarter": "2026-Q1"})
    quarter = AppraisalQuarter.objects.get()
    assert response.url == reverse("appraisals:quarter_detail", args=[quarter.pk])
    client.force_login(staff)  # the session of April would have timed out by now
    return quarter


def _score_all(client: Client, actor: User, quarter: AppraisalQuarter) -> None:
    client.force_login(actor)
    for result in quarter.results.all():
        response = client.post(reverse("appraisals:result_scores", args=[result.pk]), SCORES)
        assert response.status_code == 302


def _finalize(client: Client, p: dict[str, User]) -> AppraisalQuarter:
    quarter = _compute(client, p["county_staff"])
    _score_all(client, p["county_staff"], quarter)
    client.force_login(p["county_staff_2"])  # not the scorer (不相容岗位分离)
    with h.on(date(2026, 4, 13)):
        client.post(reverse("appraisals:quarter_finalize", args=[quarter.pk]))
    client.force_login(p["county_staff"])
    quarter.refresh_from_db()
    assert quarter.is_finalized
    return quarter


def test_county_staff_compute_the_quarter_and_see_every_officer(
        county: dict[str, User], client: Client, django_assert_max_num_queries: Any) -> None:
    quarter = _compute(client, county["county_staff"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("appraisals:quarter_detail", args=[quarter.pk]))
    text = page.content.decode()
    assert "2026年第1季度专职委员考核" in text
    for name in (county["village_liaison"].name, "刘国华", county["liaison_b"].name):
        assert name in text
    assert "走访覆盖率（30 分）" in text and "1/1：30.00" in text
    assert "未录入" in text


def test_township_staff_see_and_score_only_their_township(
        county: dict[str, User], client: Client) -> None:
    quarter = _compute(client, county["county_staff"])
    township = county["township_staff"]
    client.force_login(township)
    text = client.get(reverse("appraisals:quarter_detail", args=[quarter.pk])).content.decode()
    assert county["village_liaison"].name in text and "刘国华" in text
    assert county["liaison_b"].name not in text  # 松坎镇, another township
    theirs = AppraisalResult.objects.get(user=county["liaison_b"])
    assert client.get(reverse("appraisals:result_scores", args=[theirs.pk])).status_code == 404

    mine = AppraisalResult.objects.get(user=county["village_liaison"])
    url = reverse("appraisals:result_scores", args=[mine.pk])
    bad = client.post(url, {"item_1": "9", "item_2": "12"}).content.decode()
    assert "error-summary" in bad and "“工作纪律与台账资料”的得分须在 0 到 10 分之间" in bad
    assert 'id="id_item_2"' in bad and 'aria-invalid="true"' in bad
    assert client.post(url, SCORES).status_code == 302
    mine.refresh_from_db()
    assert mine.manual_points == Decimal("17.50") and mine.manual_by == township


def test_officer_sees_own_result_only_once_finalized_and_appeals(
        county: dict[str, User], client: Client) -> None:
    liaison = county["village_liaison"]
    quarter = _compute(client, county["county_staff"])
    mine = AppraisalResult.objects.get(user=liaison)
    client.force_login(liaison)
    assert client.get(reverse("appraisals:quarter_list")).url == reverse(
        "appraisals:my_results")
    assert client.get(reverse("appraisals:result_detail", args=[mine.pk])).status_code == 404

    _score_all(client, county["county_staff"], quarter)
    client.force_login(county["county_staff_2"])  # not the scorer (不相容岗位分离)
    with h.on(date(2026, 4, 13)):
        client.post(reverse("appraisals:quarter_finalize", args=[quarter.pk]))
    client.force_login(liaison)
    listing = client.get(reverse("appraisals:my_results")).content.decode()
    assert "2026年第1季度" in listing
    other = AppraisalResult.objects.get(name="刘国华")
    assert client.get(reverse("appraisals:result_detail", args=[other.pk])).status_code == 404
    with h.on(date(2026, 4, 14)):
        detail = client.get(reverse("appraisals:result_detail", args=[mine.pk])).content.decode()
        assert "提出申诉" in detail and "2026年4月27日" in detail
        empty = client.post(reverse("appraisals:appeal_file", args=[mine.pk]), {"reason": ""})
        assert "请填写申诉理由" in empty.content.decode()
        client.post(reverse("appraisals:appeal_file", args=[mine.pk]),
                    {"reason": "二月的走访记录漏算"})
    appeal = AppraisalAppeal.objects.get(result=mine)
    assert appeal.filed_by == liaison and appeal.status == AppealStatus.OPEN


def test_county_staff_record_the_appeal_outcome_the_officer_reads_it(
        county: dict[str, User], client: Client) -> None:
    _finalize(client, county)
    mine = AppraisalResult.objects.get(user=county["village_liaison"])
    appeal = AppraisalAppeal.objects.create(result=mine, reason="漏算",
                                            filed_by=county["village_liaison"],
                                            filed_at=h.at(date(2026, 4, 14)))
    client.force_login(county["county_staff"])
    listing = client.get(reverse("appraisals:appeal_list") + "?status=open").content.decode()
    assert mine.name in listing
    url = reverse("appraisals:appeal_decide", args=[appeal.pk])
    missing = client.post(url, {"outcome": "upheld", "decision_reason": "核实",
                                "adjusted_score": ""}).content.decode()
    assert "申诉成立时请填写调整后得分" in missing
    client.post(url, {"outcome": "upheld", "decision_reason": "二月走访已核实，补计",
                      "adjusted_score": "92"})
    mine.refresh_from_db()
    assert (mine.score, mine.tier_label, mine.amount) == (Decimal("92.00"), "优秀",
                                                          Decimal("390.00"))
    client.force_login(county["village_liaison"])
    text = client.get(reverse("appraisals:result_detail", args=[mine.pk])).content.decode()
    assert "申诉成立" in text and "二月走访已核实，补计" in text


def test_payment_list_is_a_watermarked_audited_xlsx_with_the_total(
        county: dict[str, User], client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    from python_calamine import CalamineWorkbook

    quarter = _finalize(client, county)
    client.force_login(county["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("appraisals:payment_list_export", args=[quarter.pk]))
    run = TaskRun.objects.get(kind="appraisal_payment_list")
    assert response.url == reverse("core:task_progress", args=[run.pk])
    rows = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "桐梓县2026年第1季度专职委员补贴发放名单"
    assert "导出人：" in rows[1][0] and rows[2][3] == "姓名"
    officers = rows[3:-1]
    assert len(officers) == 3 and rows[-1][0] == "合计"
    assert rows[-1][7] == f"{quarter.total_amount:.2f}"
    assert sum(Decimal(r[7]) for r in officers) == quarter.total_amount
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT,
                                     object_type="appraisals.appraisalquarter").count() == 1


def test_a_draft_has_no_payment_list(county: dict[str, User], client: Client) -> None:
    quarter = _compute(client, county["county_staff"])
    response = client.post(reverse("appraisals:payment_list_export", args=[quarter.pk]),
                           follow=True)
    assert "考核结果定稿后才能导出补贴发放名单" in response.content.decode()
    assert not TaskRun.objects.exists()


# The form offers the quarters around today; the day is pinned so that 2026-Q3 is one of them.
@time_machine.travel("2026-11-23 10:00 +0800", tick=False)
def test_scheme_form_saves_a_version_and_names_the_field_at_fault(
        personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["county_staff"])
    form = client.get(reverse("appraisals:scheme_new"))
    data = {name: ("" if value is None else value)
            for name, value in form.context["form"].initial.items()}
    data.update({f.name: f.initial for f in form.context["form"]
                 if f.initial is not None and f.name not in data})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["effective_from"] = "2026-Q3"
    bad = client.post(reverse("appraisals:scheme_new"), {**data, "weight_cases": "20"})
    assert "各项分值合计须为 100 分，现为 105 分" in bad.content.decode()
    response = client.post(reverse("appraisals:scheme_new"), data)
    assert response.status_code == 302
    saved = AppraisalScheme.objects.get()
    assert saved.effective_from == date(2026, 7, 1) and saved.weight_visit_coverage == 30
    assert saved.tiers[-1] == {"min_score": "0", "label": "不合格", "percent": 0}
    client.force_login(personas["leader"])
    text = client.get(reverse("appraisals:scheme")).content.decode()
    assert "2026年第3季度起适用" in text and "修订考核方案" not in text


def test_workbench_lists_scores_to_enter_and_appeals_to_decide(
        county: dict[str, User], client: Client) -> None:
    _compute(client, county["county_staff"])
    client.force_login(county["township_staff"])
    assert "待录入人工评分的专职委员" in client.get(reverse("core:home")).content.decode()
    mine = AppraisalResult.objects.get(user=county["village_liaison"])
    AppraisalAppeal.objects.create(result=mine, reason="漏算", filed_by=county["village_liaison"],
                                   filed_at=h.at(date(2026, 4, 14)))
    client.force_login(county["county_staff"])
    assert "待处理的考核申诉" in client.get(reverse("core:home")).content.decode()
