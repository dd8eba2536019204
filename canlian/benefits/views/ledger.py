"""Ledgers (台账) and the self-check (我能享受哪些政策)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from canlian.benefits import accounts, eligibility, enrolments, ledger, selectors
from canlian.benefits.accounts import ACCOUNT_ROLES
from canlian.benefits.forms import AccountImportForm, LedgerImportForm
from canlian.benefits.months import this_month
from canlian.benefits.permissions import PAYROLL_ROLES, VIEW_ROLES, can_apply
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.params import query_int
from canlian.core.roles import Role
from canlian.core.tables import ImportFileError, read_table


@roles_required(VIEW_ROLES)
def ledger_overview(request: HttpRequest) -> HttpResponse:
    year = query_int(request.GET, "year", low=1990, high=2100,
                     default=timezone.localdate().year)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.user.role in PAYROLL_ROLES and form.is_valid():
        try:
            header, rows = _read_upload(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            report = ledger.ledger_import(actor=request.user, header=header, rows=rows,
                                          dry_run=form.cleaned_data["dry_run"])
            if not report.errors:
                messages.success(request, (
                    "检查通过（未写入）：" if form.cleaned_data["dry_run"] else "导入完成：")
                    + f"新增 {report.created} 条，更新 {report.updated} 条，"
                      f"未变化 {report.unchanged} 条。")
    return render(request, "benefits/ledger_overview.html", {
        "year": year, "years": range(timezone.localdate().year, 2013, -1),
        "totals": ledger.policy_year_totals(actor=request.user, year=year),
        "form": form, "report": report, "can_import": request.user.role in PAYROLL_ROLES})


def _read_upload(upload: UploadedFile) -> tuple[list[Any], list[list[Any]]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return read_table(path, filename=upload.name or "", limits=ledger.TABLE_LIMITS)


@roles_required(VIEW_ROLES)
def person_benefits(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's self-check (every policy, 符合 / 不符合 and why), enrolments and ledger."""
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    month = this_month()
    return render(request, "benefits/person_benefits.html", {
        "person": person, "month": month,
        "checks": eligibility.person_self_check(person, month),
        "enrolments": selectors.enrolments_for(actor=request.user, person=person),
        "ledger": ledger.person_ledger(person),
        "can_apply": can_apply(request.user),
    })


@roles_required(Role.RESIDENT)
def my_benefits(request: HttpRequest) -> HttpResponse:
    """Portal: 我能享受哪些政策 — for the resident and the people of their household."""
    month = this_month()
    people = [{"person": person, "checks": eligibility.person_self_check(person, month)}
              for person in selectors.household_for_resident(request.user)]
    return render(request, "benefits/my_benefits.html", {"people": people, "month": month})


@roles_required(Role.RESIDENT)
@require_POST
def my_benefits_apply(request: HttpRequest) -> HttpResponse:
    """Apply online (网上申请) for oneself or a ward in one's household."""
    person_id = query_int(request.POST, "person")
    if person_id is None:
        messages.error(request, "请在下方列表中选择要申请的政策。")
        return redirect("benefits:my_benefits")
    person = selectors.household_for_resident(request.user).filter(pk=person_id).first()
    if person is None:
        raise Http404
    policy = selectors.policy_for_person(person=person,
                                         code=request.POST.get("policy", ""))
    try:
        enrolments.enrolment_apply(
            actor=request.user, person=person, policy=policy, applied_month=this_month(),
            for_ward=person.id_number_index != request.user.id_number_index, channel="portal")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已提交{person.name}的{policy.name}申请，乡镇（街道）残联审核后"
                                  "会在这里显示进度。")
    return redirect("benefits:my_benefits")


@roles_required(ACCOUNT_ROLES)
def account_import(request: HttpRequest) -> HttpResponse:
    """发放账户导入: keyed by ID number; all-or-nothing, every bad row named, idempotent."""
    form = AccountImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            header, rows = _read_upload(form.cleaned_data["file"])
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            report = accounts.payment_accounts_import(
                actor=request.user, header=header, rows=rows,
                dry_run=form.cleaned_data["dry_run"])
            if not report.errors:
                messages.success(request, (
                    "检查通过（未写入）：" if form.cleaned_data["dry_run"] else "导入完成：")
                    + f"新增 {report.created} 个，更新 {report.updated} 个，"
                      f"未变化 {report.unchanged} 个。")
    return render(request, "benefits/account_import.html", {"form": form, "report": report})
