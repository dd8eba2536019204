"""Payroll batches: generate, approve, bank file, payment results, re-issue; overpayments."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.benefits import jobs, payroll, selectors
from canlian.benefits.forms import GenerateForm, MarkForm, SetAsideForm, SettleForm
from canlian.benefits.models import LineStatus, OverpaymentStatus
from canlian.benefits.permissions import (
    PAYROLL_ROLES,
    VIEW_ROLES,
    approve_refusal,
    can_run_payroll,
)
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.views.paging import paginate


@roles_required(VIEW_ROLES)
def batch_list(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST or None)
    if request.method == "POST" and can_run_payroll(request.user) and form.is_valid():
        task = jobs.payroll_generate_enqueue(
            actor=request.user, policy=selectors.policy_get(actor=request.user,
                                                            code=form.cleaned_data["policy"]),
            period_start=form.cleaned_data["period_start"])
        return redirect("core:task_progress", task_id=task.pk)
    return render(request, "benefits/batch_list.html", {
        **paginate(request, selectors.batches_for(request.user), 30), "form": form,
        "can_generate": can_run_payroll(request.user)})


@roles_required(VIEW_ROLES)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for(actor=request.user, batch_id=batch_id)
    status = request.GET.get("status", "")
    status = status if status in [*LineStatus.values, selectors.BLOCKED] else ""
    form = MarkForm(request.POST or None)
    if request.method == "POST" and can_run_payroll(request.user) and form.is_valid():
        try:
            count = payroll.payroll_lines_mark(actor=request.user, batch=batch,
                                               line_ids=form.cleaned_data["lines"],
                                               status=form.cleaned_data["status"],
                                               reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已登记 {count} 条发放结果。" if count else
                             "没有需要登记的待发放明细（已登记的不会重复登记）。")
            return redirect("benefits:batch_detail", batch_id=batch.pk)
    return render(request, "benefits/batch_detail.html", {
        **paginate(request, selectors.lines_for(actor=request.user, batch=batch, status=status),
                   50),
        "batch": batch, "status": status, "statuses": LineStatus.choices, "form": form,
        "can_pay": can_run_payroll(request.user),
        "approve_refusal": approve_refusal(request.user, batch),
        "blocked": payroll.blocked_lines(batch).count(), "set_aside_form": SetAsideForm(),
        "blocked_status": selectors.BLOCKED})


@roles_required(PAYROLL_ROLES)
@require_POST
def batch_set_aside(request: HttpRequest, batch_id: int) -> HttpResponse:
    """挂起 every blocked line of a draft batch, with a reason."""
    batch = selectors.batch_get_for(actor=request.user, batch_id=batch_id)
    form = SetAsideForm(request.POST)
    try:
        count = payroll.payroll_lines_set_aside(
            actor=request.user, batch=batch, line_ids=None,
            reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已挂起 {count} 条明细，可在以后的批次补发。" if count
                         else "没有需要挂起的阻断明细。")
    return redirect("benefits:batch_detail", batch_id=batch.pk)


@roles_required(PAYROLL_ROLES)
@require_POST
def batch_approve(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for(actor=request.user, batch_id=batch_id)
    try:
        approved = payroll.payroll_approve(actor=request.user, batch=batch)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("benefits:batch_detail", batch_id=batch.pk)
    if approved:
        messages.success(request, "批次已审核通过，可以导出银行发放文件。")
    else:
        messages.info(request, "该批次已审核过，未作改动。")
    return redirect("benefits:batch_detail", batch_id=batch.pk)


@roles_required(PAYROLL_ROLES)
@require_POST
def batch_bank_file(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for(actor=request.user, batch_id=batch_id)
    if batch.status != "approved":
        messages.error(request, "批次审核通过后才能导出银行发放文件。")
        return redirect("benefits:batch_detail", batch_id=batch.pk)
    task = jobs.payroll_bank_file_enqueue(actor=request.user, batch=batch)
    return redirect("core:task_progress", task_id=task.pk)


@roles_required(PAYROLL_ROLES)
@require_POST
def line_reissue(request: HttpRequest, batch_id: int, line_id: int) -> HttpResponse:
    batch = selectors.batch_get_for(actor=request.user, batch_id=batch_id)
    line = selectors.lines_for(actor=request.user, batch=batch).filter(pk=line_id).first()
    if line is None:
        raise Http404
    payroll.payroll_line_reissue(actor=request.user, line=line)
    messages.success(request, f"{line.name} {line.period:%Y年%m月} 已转为待发放，"
                              "将随下次发放文件重发。")
    return redirect("benefits:batch_detail", batch_id=batch.pk)


@roles_required(VIEW_ROLES)
def overpayment_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and can_run_payroll(request.user):
        found = payroll.overpayments_detect(actor=request.user)
        messages.success(request, f"新发现应追回 {found} 笔。" if found
                         else "没有新发现应追回的发放。")
        return redirect("benefits:overpayment_list")
    return render(request, "benefits/overpayment_list.html", {
        **paginate(request, selectors.overpayments_for(request.user), 50),
        "can_detect": can_run_payroll(request.user)})


@roles_required(PAYROLL_ROLES)
def overpayment_settle(request: HttpRequest, overpayment_id: int) -> HttpResponse:
    record = selectors.overpayments_for(request.user).filter(pk=overpayment_id).first()
    if record is None:
        raise Http404
    form = SettleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payroll.overpayment_settle(actor=request.user, overpayment=record,
                                       status=form.cleaned_data["status"],
                                       note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "处理结果已保存。")
            return redirect("benefits:overpayment_list")
    return render(request, "benefits/overpayment_settle.html", {
        "record": record, "form": form,
        "outstanding": record.status == OverpaymentStatus.OUTSTANDING})
