"""The visit and case pages over HTTP: phone-first recording with drafts, a need turned into a
case, each lifecycle step's form, the 问题清单 and its export, the person panel, the plans, and
list pages with a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.cases import services
from canlian.cases.models import (
    Case,
    CaseSource,
    CaseStatus,
    NeedOutcome,
    Visit,
    VisitDraft,
    VisitNeed,
    VisitRound,
    VisitSchedule,
)
from canlian.cases.tests.helpers import disabled, federations, on, visit
from canlian.core.models import AuditAction, AuditEvent, User

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _visit_form(**extra: Any) -> dict[str, Any]:
    data = {"visited_on": date.today().isoformat(), "mode": "home", "people_met": "本人、母亲",
            "living_arrangement": "with_family", "living_note": "住房安全", "summary": "",
            "action": "submit"}
    data.update(extra)
    return data


def test_a_liaison_records_a_visit_with_a_need_and_a_photo_and_turns_the_need_into_a_case(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, township_unit = federations(regions["county"], regions["township_a"])
    person = disabled(regions["village_a"], name="王大山")
    client = login(personas["village_liaison"])
    page = client.get(reverse("cases:visit_create", args=[person.pk]))
    assert page.status_code == 200 and "登记走访：王大山" in page.content.decode()
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(reverse("cases:visit_create", args=[person.pk]), _visit_form(
        need_device="on", need_device_note="需要轮椅", photo=photo))
    visit_ = Visit.objects.get(person=person)
    assert response.status_code == 302 and response.url == reverse("cases:visit_detail",
                                                                    args=[visit_.pk])
    assert visit_.has_photo and client.get(reverse("cases:visit_photo",
                                                   args=[visit_.pk])).status_code == 200
    need = VisitNeed.objects.get(visit=visit_)
    converted = client.post(reverse("cases:need_action", args=[need.pk, "case"]))
    case = Case.objects.get()
    assert converted.url == reverse("cases:case_detail", args=[case.pk])
    assert (case.source, case.responsible_unit, case.person) == (CaseSource.VISIT, township_unit,
                                                                 person)
    need.refresh_from_db()
    assert need.outcome == NeedOutcome.CASE
    detail = client.get(reverse("cases:visit_detail", args=[visit_.pk])).content.decode()
    assert case.reference in detail and "已转诉求" in detail


def test_a_rejected_visit_form_names_the_field_and_keeps_what_was_typed(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    person = disabled(regions["village_a"])
    client = login(personas["village_liaison"])
    tomorrow = date.fromordinal(date.today().toordinal() + 1).isoformat()
    response = client.post(reverse("cases:visit_create", args=[person.pk]),
                           _visit_form(people_met="", visited_on=tomorrow, need_rehab="on"))
    html = response.content.decode()
    assert response.status_code == 200 and "error-summary" in html
    assert "见到的人" in html and "请填写康复需求的具体内容" in html
    assert VisitDraft.objects.get(person=person).data["need_rehab"] == "on"
    assert not Visit.objects.exists()
    again = client.post(reverse("cases:visit_create", args=[person.pk]),
                        _visit_form(visited_on=tomorrow))
    assert "走访日期不能晚于今天" in again.content.decode()


def test_drafts_are_saved_by_the_page_script_and_by_the_button(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    person = disabled(regions["village_a"])
    client = login(personas["village_liaison"])
    url = reverse("cases:visit_draft", args=[person.pk])
    saved = client.post(url, {"people_met": "配偶", "summary": "半句"},
                        headers={"X-Requested-With": "fetch"})
    assert saved.status_code == 200 and saved.json()["saved"] is True
    assert client.get(url).json()["data"] == {"people_met": "配偶", "summary": "半句"}
    form = client.get(reverse("cases:visit_create", args=[person.pk])).content.decode()
    assert "已载入" in form and 'value="配偶"' in form
    client.post(reverse("cases:visit_create", args=[person.pk]),
                {"action": "draft", "people_met": "儿子"})
    assert VisitDraft.objects.get().data == {"people_met": "儿子"}
    client.post(url, {"discard": "1"}, headers={"X-Requested-With": "fetch"})
    assert not VisitDraft.objects.exists()
    assert login(personas["liaison_b"]).post(url, {"people_met": "x"}).status_code == 404


def test_staff_walk_a_case_through_its_forms_and_a_step_out_of_order_is_refused(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    case = services.case_register(actor=personas["village_liaison"], source=CaseSource.HELP,
                                  category="device", title="需要轮椅", description="出行困难",
                                  region_code=regions["village_a"])
    staff = login(personas["township_staff"])

    def act(action: str, **data: Any) -> Any:
        case.refresh_from_db()
        return staff.post(reverse("cases:case_action", args=[case.pk, action]),
                          {"version": case.version, **data})

    refused = act("conclude", reply="跳过受理")
    assert refused.status_code == 302
    assert "不能进行“办结答复”" in staff.get(refused.url).content.decode()
    assert act("extend", days=5, reason="").status_code == 200  # a form error, named
    act("accept", note="已受理")
    act("start")
    act("conclude", reply="已适配轮椅")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED
    liaison = login(personas["village_liaison"])
    page = liaison.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "回访评价" in page and "受理" not in page.split("可办理的操作")[1][:200]
    liaison.post(reverse("cases:case_action", args=[case.pk, "rate"]),
                 {"version": case.version, "satisfaction": "satisfied"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED


def test_the_board_counts_found_closed_overdue_and_days_and_exports_a_watermarked_sheet(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    staff = personas["township_staff"]
    with on(date(2026, 3, 2)):
        done = services.case_register(actor=staff, source=CaseSource.HELP, category="rehab",
                                      title="康复", description="康复", region_code=
                                      regions["village_a"])
        late = services.case_register(actor=staff, source=CaseSource.HELP, category="rehab",
                                      title="康复2", description="康复", region_code=
                                      regions["village_a2"])
        services.case_accept(actor=staff, case=done)
        services.case_start(actor=staff, case=done)
    with on(date(2026, 3, 6)):
        services.case_conclude(actor=staff, case=done, reply="已办")
    with on(date(2026, 3, 20)):
        client = login(personas["county_staff"])
        html = client.get(reverse("cases:board")).content.decode()
        board = client.get(reverse("api:case_board")).json()
        export = client.post(reverse("cases:board_export"))
    [township] = board["townships"]
    assert (township["found"], township["closed"], township["overdue"]) == (2, 1, 1)
    assert township["avg_days"] == 4.0 and board["total"]["found"] == 2
    assert "问题清单" in html and late.pk
    rows = CalamineWorkbook.from_filelike(BytesIO(b"".join(export.streaming_content))
                                          ).get_sheet_by_index(0).to_python()
    assert "导出人" in rows[1][0] and rows[-1][:3] == ["合计", "", "2"]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, summary__contains="问题清单").exists()


def test_the_person_page_shows_their_visits_and_cases(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    person = disabled(regions["village_a"], name="李四")
    visit(person, personas["village_liaison"], date.today())
    case = services.case_register(actor=personas["village_liaison"], source=CaseSource.HELP,
                                  category="care", title="托养申请", description="托养",
                                  person=person)
    html = login(personas["township_staff"]).get(
        reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "走访与诉求" in html and case.reference in html and "本期已走访" in html


def test_plans_create_a_census_round_and_a_monthly_schedule(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    client = login(personas["county_staff"])
    client.post(reverse("cases:plans"), {
        "form": "round", "round-name": "2026 年遍访", "round-region": regions["county"],
        "round-started_on": "2026-01-05", "round-due_on": "2026-03-31"})
    client.post(reverse("cases:plans"), {
        "form": "schedule", "schedule-name": "重残独居 每月", "schedule-region": regions["county"],
        "schedule-interval_months": "1", "schedule-conditions": ["severe", "alone"]})
    assert VisitRound.objects.get().due_on == date(2026, 3, 31)
    schedule = VisitSchedule.objects.get()
    assert (schedule.interval_months, schedule.conditions) == (1, ["alone", "severe"])
    bad = client.post(reverse("cases:plans"), {
        "form": "round", "round-name": "倒序", "round-region": regions["county"],
        "round-started_on": "2026-03-05", "round-due_on": "2026-01-31"})
    assert "完成期限不能早于开始日期" in bad.content.decode()
    client.post(reverse("cases:plans"), {"form": "schedule_off", "schedule": schedule.pk})
    schedule.refresh_from_db()
    assert not schedule.is_active
    township = login(personas["township_staff"])
    township.post(reverse("cases:plans"), {
        "form": "schedule", "schedule-name": "x", "schedule-region": regions["township_a"],
        "schedule-interval_months": "1"})
    assert VisitSchedule.objects.count() == 1  # schedules are the county's to set


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["cases:due_list", "cases:visit_list", "cases:need_list",
                                  "cases:case_list", "cases:board"])
def test_list_pages_use_a_fixed_number_of_queries(
        name: str, personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client], django_assert_num_queries: Any) -> None:
    federations(regions["county"], regions["township_a"])
    officer = personas["village_liaison"]

    def add(n: int) -> None:
        for i in range(n):
            person = disabled(regions["village_a" if i % 2 else "village_a2"])
            visit(person, personas["township_staff"], date.today(),
                  needs=[services_need()])
            services.case_register(actor=personas["township_staff"], source=CaseSource.HELP,
                                   category="care", title="托养", description="托养",
                                   person=person)

    add(2)
    client = login(personas["township_staff"])
    url = reverse(name)
    client.get(url)  # the first view of a session may record its activity (idle timeout)
    expected = _count(client, url)
    add(8)
    with django_assert_num_queries(expected):
        client.get(url)
    assert officer.pk


def services_need() -> Any:
    from canlian.cases.visits import NeedIn

    return NeedIn("rehab", "康复训练")
