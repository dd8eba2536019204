"""Payee accounts (DESIGN.md "Data": a payee's bank account is encrypted like an ID number; a
payment line without an account is blocked, never paid) — issue 16 §2: recorded on the
enrolment page by county staff or imported by ID number; a batch lists lines without an
account as 阻断 and cannot be approved until they are set aside (挂起) with a reason; set-aside
months are paid later as 补发; the bank file never has an empty account number."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from canlian.benefits.accounts import payment_account_save
from canlian.benefits.models import LineStatus, PaymentAccount, PayrollLine, Policy
from canlian.benefits.payroll import (
    blocked_lines,
    payroll_approve,
    payroll_generate,
    payroll_lines_mark,
    payroll_lines_set_aside,
)
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, TaskRun, User
from canlian.registry.models import Person

NOW = "2026-03-15 10:00:00+08:00"
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def care(regions: dict[str, str]) -> Policy:
    return load_catalog()["care_subsidy"]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _two_enrolled(regions: dict[str, str], care: Policy, staff: User) -> tuple[Person, Person]:
    with_account = holder(regions["village_a"], name="有账户", grade=1, care=True)
    without = holder(regions["village_a"], name="无账户", grade=1, care=True)
    for person in (with_account, without):
        enrol(person, care, date(2026, 1, 1), staff)
    payment_account_save(actor=staff, person=with_account, bank="贵州农村信用社",
                         account_number="6224 1234 5678 9012 345", holder_relation="self",
                         holder="")
    return with_account, without


@time_machine.travel(NOW, tick=False)
def test_a_batch_with_lines_without_an_account_is_refused_until_they_are_set_aside(
    personas: dict[str, User], regions: dict[str, str], care: Policy,
    django_capture_on_commit_callbacks: Any
) -> None:
    staff, approver = personas["county_staff"], personas["county_staff_2"]
    _, blocked = _two_enrolled(regions, care, staff)
    batch = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    assert list(blocked_lines(batch).values_list("person_id", flat=True)) == [blocked.pk]
    page = _client(approver).get(reverse("benefits:batch_detail", args=[batch.pk]))
    assert "阻断 1 条" in page.content.decode()
    assert "审核通过</button>" not in page.content.decode()
    with pytest.raises(DomainError, match="1 条明细未登记发放账户（阻断）"):
        payroll_approve(actor=approver, batch=batch)
    with pytest.raises(DomainError, match="挂起须填写原因"):
        payroll_lines_set_aside(actor=staff, batch=batch, line_ids=None, reason=" ")
    client = _client(staff)
    client.post(reverse("benefits:batch_set_aside", args=[batch.pk]),
                {"reason": "未登记发放账户，待补录"})
    batch.refresh_from_db()
    assert (batch.line_count, str(batch.total)) == (1, "120.00")
    assert payroll_approve(actor=approver, batch=batch) is True
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benefits:batch_bank_file", args=[batch.pk]))
    task = TaskRun.objects.get(kind="benefits_bank_file")
    sheet = load_workbook(task.result_file).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [(r[1], r[4]) for r in rows] == [("有账户", "6224123456789012345")]
    assert all(r[4] for r in rows)
    payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid")
    line = PayrollLine.objects.get(person=blocked)
    assert (line.status, line.failure_reason) == (LineStatus.SET_ASIDE, "未登记发放账户，待补录")


@time_machine.travel(NOW, tick=False)
def test_a_set_aside_month_is_paid_as_backpay_once_the_account_is_registered(
    personas: dict[str, User], regions: dict[str, str], care: Policy
) -> None:
    staff, approver = personas["county_staff"], personas["county_staff_2"]
    _, late = _two_enrolled(regions, care, staff)
    march = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    payroll_lines_set_aside(actor=staff, batch=march, line_ids=None, reason="无账户")
    payroll_approve(actor=approver, batch=march)
    payment_account_save(actor=staff, person=late, bank="中国农业银行",
                         account_number="6228480012345678901", holder_relation="guardian",
                         holder="李监护")
    april = payroll_generate(actor=staff, policy=care, period_start=APRIL)
    lines = {(line.period, line.is_backpay) for line in april.lines.filter(person=late)}
    assert lines == {(MARCH, True), (APRIL, False)}
    assert not blocked_lines(april).exists()
    assert payroll_generate(actor=staff, policy=care, period_start=APRIL) == april


@time_machine.travel(NOW, tick=False)
def test_account_is_encrypted_masked_and_its_reveal_audited(
    personas: dict[str, User], regions: dict[str, str], care: Policy
) -> None:
    staff = personas["county_staff"]
    person = holder(regions["village_a"], name="账户甲", grade=1, care=True)
    enrolment = enrol(person, care, date(2026, 1, 1), staff)
    url = reverse("benefits:enrolment_detail", args=[enrolment.pk])
    client = _client(staff)
    assert "尚未登记发放账户" in client.get(url).content.decode()
    refused = client.post(url, {"bank": "中国农业银行", "account_number": "6228480012345678901",
                                "holder_relation": "guardian", "holder": ""}).content.decode()
    assert "监护人或代领人账户须填写户名" in refused
    client.post(url, {"bank": "中国农业银行", "account_number": "6228480012345678901",
                      "holder_relation": "guardian", "holder": "账户乙"})
    account = PaymentAccount.objects.get(person=person)
    assert (account.holder, account.updated_by) == ("账户乙", staff)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number FROM benefits_paymentaccount")
        assert "6228480012345678901" not in cursor.fetchone()[0]
    page = client.get(url).content.decode()
    assert "6228***********8901" in page and "6228480012345678901" not in page
    client.post(url, {"reveal_account": "1"})
    assert "6228480012345678901" in client.get(url).content.decode()
    assert "6228480012345678901" not in client.get(url).content.decode()  # once
    assert AuditEvent.objects.filter(action="reveal",
                                     object_type="benefits.paymentaccount").count() == 1
    township = _client(personas["township_staff"])
    view = township.get(url).content.decode()
    assert "6228***********8901" in view and "保存账户" not in view and "查看完整账号" not in view
    township.post(url, {"bank": "另一银行", "account_number": "6217000011112222333",
                        "holder_relation": "self", "holder": ""})
    township.post(url, {"reveal_account": "1"})
    account.refresh_from_db()
    assert account.bank == "中国农业银行"
    assert AuditEvent.objects.filter(action="reveal").count() == 1


def _book(*rows: list[Any]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "开户银行", "银行账号", "账户持有人", "户名"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "accounts.xlsx"
    return data


def test_account_import_names_every_bad_row_writes_nothing_and_is_idempotent(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    a = holder(regions["village_a"], name="导入甲")
    b = holder(regions["village_a"], name="导入乙")
    outsider = holder("610921100000", name="外县丙")
    client = _client(personas["county_staff"])
    url = reverse("benefits:account_import")
    good_a = [a.id_number, "导入甲", "贵州农村信用社", "6224000011112222333", "本人", ""]
    good_b = [b.id_number, "导入乙", "中国邮政储蓄银行", "6221000011112222333", "代领人", "王代"]
    text = client.post(url, {"file": _book(
        good_a, [b.id_number, "导入乙", "中国邮政储蓄银行", "62210000", "代领人", ""],
        [outsider.id_number, "外县丙", "某银行", "6217000011112222333", "", ""],
    )}).content.decode()
    assert "第 3 行“银行账号”：银行账号应为 12–30 位数字" in text
    assert "第 3 行“户名”：监护人或代领人账户须填写户名" in text
    assert "第 4 行“身份证号”：该身份证号不在您管辖范围的残疾人库中" in text
    assert not PaymentAccount.objects.exists()
    assert "新增 2 个" in client.post(url, {"file": _book(good_a, good_b)}).content.decode()
    again = client.post(url, {"file": _book(good_a, good_b)}).content.decode()
    assert "新增 0 个，更新 0 个，未变化 2 个" in again
    assert PaymentAccount.objects.get(person=b).holder == "王代"
    assert AuditEvent.objects.filter(action="import",
                                     object_type="benefits.paymentaccount").count() == 1
    assert _client(personas["township_staff"]).get(url).status_code == 403
