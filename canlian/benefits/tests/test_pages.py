"""Benefits pages through HTTP: rule editing with preview, the eligibility run and its gap
lists, an application through every review step, payroll, ledger import, the 360° panel and
the portal self-check (issue #6 §2–§7)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from canlian.benefits.models import (
    EligibilityRun,
    Enrolment,
    LedgerEntry,
    PayrollBatch,
    Policy,
    PolicyRuleVersion,
)
from canlian.benefits.tests.helpers import enrol, holder, load_catalog, with_account
from canlian.core.models import AuditEvent, TaskRun, User
from canlian.organizations.tests.factories import make_liaison_officer

pytestmark = pytest.mark.usefixtures("catalog")
NOW = "2026-03-15 10:00:00+08:00"


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_rule_edit_previews_the_count_then_keeps_every_version(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    holder(regions["village_a"], grade=1, care=True)
    holder(regions["village_a"], grade=3, category=5, care=True)
    admin = _client(personas["county_admin"])
    url = reverse("benefits:policy_rule_edit", args=["care_subsidy"])
    option = ("enrolable and needs_long_term_care and not tekun and not work_injury_care "
              "and (grade in (1, 2) or (grade == 3 and category in (智力, 精神)))")
    preview = admin.post(url, {"text": option, "month": "2026-03", "action": "preview"})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "按新规则符合条件的残疾人 <strong>2</strong> 人" in text and "按现行规则 1 人" in text
    assert PolicyRuleVersion.objects.filter(policy__code="care_subsidy").count() == 1
    saved = admin.post(url, {"text": option, "note": "县级扩面：三级智力、精神", "action": "save"})
    assert saved.status_code == 302
    numbers = list(PolicyRuleVersion.objects.filter(policy__code="care_subsidy")
                   .values_list("number", flat=True))
    assert sorted(numbers) == [1, 2]
    assert AuditEvent.objects.filter(object_type="benefits.policy", action="update").exists()


def test_a_rule_that_does_not_parse_is_refused_with_the_position(
    personas: dict[str, User]
) -> None:
    admin = _client(personas["county_admin"])
    url = reverse("benefits:policy_rule_edit", args=["care_subsidy"])
    response = admin.post(url, {"text": "enrolable and gradee in (1, 2)", "action": "save"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "gradee" in text and "15" in text  # the offending token and where it starts
    assert PolicyRuleVersion.objects.filter(policy__code="care_subsidy").count() == 1


def test_only_county_admin_edits_rules(personas: dict[str, User]) -> None:
    url = reverse("benefits:policy_rule_edit", args=["care_subsidy"])
    assert _client(personas["county_staff"]).get(url).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_eligibility_run_page_lists_to_enrol_with_township_and_liaison(
    personas: dict[str, User], regions: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    person = holder(regions["village_a"], name="待纳入甲", grade=1, care=True)
    make_liaison_officer(region_code=regions["village_a"], user=personas["village_liaison"])
    staff = _client(personas["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("benefits:run_list"), {"month": "2026-03"})
    run = EligibilityRun.objects.get()
    assert response.status_code == 302
    assert TaskRun.objects.get(pk=run.task_run_id).status == "succeeded"
    listing = staff.get(reverse("benefits:gap_list", args=[run.pk, "to_enrol"]),
                        {"policy": "care_subsidy"})
    text = listing.content.decode()
    assert person.name in text
    assert personas["village_liaison"].name in text  # who to contact in the village
    assert "120.00" in text
    # The township officer of another township sees the run but not this person.
    other = _client(personas["township_staff"])
    assert person.name in other.get(reverse("benefits:gap_list",
                                            args=[run.pk, "to_enrol"])).content.decode()


@time_machine.travel(NOW, tick=False)
def test_gap_list_exports_masked_with_the_liaison_and_is_audited(
    personas: dict[str, User], regions: dict[str, str], django_capture_on_commit_callbacks: Any
) -> None:
    """The township takes the 待纳入 list out to call on people: numbers masked (DOMAIN.md
    §7.2), the village's liaison officer named, the export watermarked and audited; staff of
    another township get only their own people."""
    from openpyxl import load_workbook

    person = holder(regions["village_a"], name="待纳入乙", grade=1, care=True)
    make_liaison_officer(region_code=regions["village_a"], user=personas["village_liaison"])
    holder(regions["village_b"], name="别乡丙", grade=1, care=True)
    staff = _client(personas["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("benefits:run_list"), {"month": "2026-03"})
    run = EligibilityRun.objects.get()
    township = _client(personas["township_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = township.post(reverse("benefits:gap_export", args=[run.pk, "to_enrol"]),
                                 {"policy": "care_subsidy"})
    task = TaskRun.objects.get(kind="benefits_gap_export")
    assert response.status_code == 302 and task.status == "succeeded"
    sheet = load_workbook(task.result_file).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["待纳入乙"]
    assert person.id_number not in str(rows) and rows[0][1].endswith(person.id_number[-4:])
    assert rows[0][6] == personas["village_liaison"].name and rows[0][7] == "120.00"
    assert "导出人" in str(sheet["A2"].value)
    assert AuditEvent.objects.filter(action="export",
                                     object_type="benefits.eligibilitygap").count() == 1
    liaison = _client(personas["village_liaison"])
    assert liaison.post(reverse("benefits:gap_export",
                                args=[run.pk, "to_enrol"])).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_application_goes_through_township_county_and_civil_affairs(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """DOMAIN.md §3.2: 乡镇初审 → 县残联审核 → 民政审定, paid from the application month."""
    person = holder(regions["village_a"], grade=2, care=True)
    liaison = _client(personas["village_liaison"])
    created = liaison.post(reverse("benefits:enrolment_create", args=[person.pk]),
                           {"policy": "care_subsidy", "applied_month": "2026-02"})
    enrolment = Enrolment.objects.get()
    assert created.status_code == 302 and enrolment.next_step == "township"
    url = reverse("benefits:enrolment_detail", args=[enrolment.pk])
    # The county cannot record 民政审定 before the township has reviewed: wrong step order is
    # impossible because the pending step is the only one offered; a liaison cannot review.
    refused = liaison.post(url, {"decision": "approve", "version": enrolment.version})
    assert "不能办理" in refused.content.decode()
    township = _client(personas["township_staff"])
    township.post(url, {"decision": "approve", "version": 0, "note": "材料齐全"})
    staff = _client(personas["county_staff"])
    staff.post(url, {"decision": "approve", "version": 1})
    stale = _client(personas["county_staff_2"]).post(url, {"decision": "approve", "version": 1})
    assert "已被他人处理" in stale.content.decode()
    _client(personas["county_staff_2"]).post(
        url, {"decision": "approve", "version": 2, "note": "民政局审定同意"})
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.start_month) == ("enrolled", date(2026, 2, 1))
    assert [s.action for s in enrolment.steps.all()] == [
        "申请", "乡镇（街道）初审", "县残联审核", "民政审定"]


@time_machine.travel(NOW, tick=False)
def test_rejection_needs_a_reason(personas: dict[str, User], regions: dict[str, str]) -> None:
    person = holder(regions["village_a"], grade=2, care=True)
    staff = _client(personas["county_staff"])
    staff.post(reverse("benefits:enrolment_create", args=[person.pk]),
               {"policy": "care_subsidy", "applied_month": "2026-03"})
    enrolment = Enrolment.objects.get()
    url = reverse("benefits:enrolment_detail", args=[enrolment.pk])
    response = _client(personas["township_staff"]).post(
        url, {"decision": "reject", "version": 0, "note": ""})
    assert "不予通过须填写理由" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "pending"


@time_machine.travel(NOW, tick=False)
def test_an_ineligible_application_is_refused_with_the_reason(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    person = holder(regions["village_a"], grade=3, care=True)
    response = _client(personas["county_staff"]).post(
        reverse("benefits:enrolment_create", args=[person.pk]),
        {"policy": "care_subsidy", "applied_month": "2026-03"})
    assert "残疾等级为三级" in response.content.decode()
    assert not Enrolment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_payroll_pages_generate_approve_and_export_the_bank_file(
    personas: dict[str, User], regions: dict[str, str], catalog: dict[str, Policy],
    django_capture_on_commit_callbacks: Any
) -> None:
    user = personas["county_staff"]
    enrol(with_account(holder(regions["village_a"], grade=1, care=True)),
          catalog["care_subsidy"], date(2026, 1, 1), user)
    staff = _client(user)
    with django_capture_on_commit_callbacks(execute=True):  # generated in the background
        staff.post(reverse("benefits:batch_list"), {"policy": "care_subsidy",
                                                     "period_start": "2026-03"})
    batch = PayrollBatch.objects.get()
    assert (batch.line_count, str(batch.total)) == (1, "120.00")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("benefits:batch_list"), {"policy": "care_subsidy",
                                                     "period_start": "2026-03"})
    assert PayrollBatch.objects.count() == 1
    _client(personas["county_staff_2"]).post(reverse("benefits:batch_approve", args=[batch.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("benefits:batch_bank_file", args=[batch.pk]))
    task = TaskRun.objects.get(kind="benefits_bank_file")
    assert response.status_code == 302 and task.status == "succeeded"
    assert AuditEvent.objects.filter(action="export", object_type="benefits.payrollbatch").exists()
    staff.post(reverse("benefits:batch_detail", args=[batch.pk]), {"status": "paid"})
    assert batch.lines.get().status == "paid"


def test_ledger_import_names_row_and_column_and_writes_nothing_on_error(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    person = holder(regions["village_a"], name="台账甲", grade=1, care=True)
    book = Workbook()
    sheet = book.active
    sheet.append(["年度", "身份证号", "姓名", "政策代码", "发放月数", "金额"])
    sheet.append([2019, person.id_number, "台账甲", "care_subsidy", 12, 960])
    sheet.append([2019, person.id_number, "台账甲", "no_such_policy", 12, 960])
    data = io.BytesIO()
    book.save(data)

    def upload(content: bytes, dry_run: bool = False) -> str:
        file = io.BytesIO(content)
        file.name = "ledger.xlsx"
        return _client(personas["county_staff"]).post(
            reverse("benefits:ledger"), {"file": file, **({"dry_run": "on"} if dry_run else {})}
        ).content.decode()

    text = upload(data.getvalue())
    assert "第 3 行“政策代码”" in text
    assert not LedgerEntry.objects.exists()
    sheet.delete_rows(3)
    data = io.BytesIO()
    book.save(data)
    upload(data.getvalue())
    upload(data.getvalue())
    entry = LedgerEntry.objects.get()
    assert (entry.year, entry.months, str(entry.amount)) == (2019, 12, "960.00")
    ledger = _client(personas["county_staff"]).get(
        reverse("benefits:person_benefits", args=[person.pk])).content.decode()
    assert "2019 年" in ledger and "960.00" in ledger


@time_machine.travel(NOW, tick=False)
def test_360_page_shows_every_policy_with_the_explanation(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    person = holder(regions["village_a"], grade=3, care=True)
    text = _client(personas["township_staff"]).get(
        reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "重度残疾人护理补贴" in text
    assert "残疾等级为三级" in text


@time_machine.travel(NOW, tick=False)
def test_portal_self_check_and_online_application(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """我能享受哪些政策: the resident sees 符合 / 不符合 and applies online where eligible."""
    resident = personas["resident"]
    person = holder(regions["village_a"], name="申请人", grade=1, care=True)
    User.objects.filter(pk=resident.pk).update(id_number_index=person.id_number_index)
    resident.refresh_from_db()
    portal = _client(resident)
    text = portal.get(reverse("benefits:my_benefits")).content.decode()
    assert "重度残疾人护理补贴" in text and "在线申请" in text
    portal.post(reverse("benefits:my_benefits_apply"),
                {"person": person.pk, "policy": "care_subsidy"})
    enrolment = Enrolment.objects.get()
    assert (enrolment.channel, enrolment.person, enrolment.for_ward) == ("portal", person, False)
    stranger = holder(regions["village_b"], grade=1, care=True)
    response = portal.post(reverse("benefits:my_benefits_apply"),
                           {"person": stranger.pk, "policy": "care_subsidy"})
    assert response.status_code == 404


def test_list_pages_use_a_fixed_number_of_queries(
    personas: dict[str, User], regions: dict[str, str], catalog: dict[str, Policy],
    django_assert_max_num_queries: object
) -> None:
    user = personas["county_staff"]
    for i in range(30):
        enrol(holder(regions["village_a"], name=f"列表{i}", grade=1, care=True),
              catalog["care_subsidy"], date(2026, 1, 1), user)
    client = _client(user)
    for name in ("benefits:policy_list", "benefits:enrolment_list", "benefits:batch_list",
                 "benefits:notice"):
        with django_assert_max_num_queries(15):  # type: ignore[operator]
            assert client.get(reverse(name)).status_code == 200
