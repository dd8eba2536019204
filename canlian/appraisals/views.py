"""Pages of the quarterly appraisal: quarters and their overview, one officer's result, manual
scores, appeals, the officer's own page and the scheme."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from canlian.appraisals import jobs, permissions, selectors, services
from canlian.appraisals.forms import (
    AppealForm,
    ComputeForm,
    DecisionForm,
    ManualScoreForm,
    ResultFilterForm,
    SchemeForm,
    recent_quarters,
)
from canlian.appraisals.models import AppealStatus
from canlian.appraisals.rules import DEFAULT_RULES, KPI_HELP, KPI_KEYS, KPI_LABELS, Quarter
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.roles import Role
from canlian.core.views.paging import paginate

RECENT = 8  # finished quarters offered for computing


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _compute_form(data: Any = None) -> ComputeForm:
    last = Quarter.last_finished(timezone.localdate())
    return ComputeForm(data, quarters=recent_quarters(last, RECENT))


# ------------------------------------------------------------------ quarters


@roles_required(permissions.VIEW_ROLES)
def quarter_list(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.VILLAGE_LIAISON:
        return redirect("appraisals:my_results")
    return render(request, "appraisals/quarter_list.html", {
        **paginate(request, selectors.quarters_for(actor=request.user), 20),
        "form": _compute_form(), "can_compute": permissions.is_county_staff(request.user),
        "has_scheme": selectors.schemes_for(actor=request.user).exists()})


@roles_required(permissions.COUNTY_ROLES)
@require_POST
def quarter_compute(request: HttpRequest) -> HttpResponse:
    form = _compute_form(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要计算的考核季度。")
        return redirect("appraisals:quarter_list")
    try:
        quarter = services.quarter_compute(actor=request.user, period=form.period,
                                           request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("appraisals:quarter_list")
    messages.success(request, f"已计算{quarter.period.label}考核结果：{quarter.officer_count} 名"
                              f"专职委员，补贴合计 {quarter.total_amount} 元。")
    return redirect("appraisals:quarter_detail", quarter_id=quarter.pk)


@roles_required(permissions.OVERVIEW_ROLES)
def quarter_detail(request: HttpRequest, quarter_id: int) -> HttpResponse:
    actor = request.user
    quarter = selectors.quarter_get_for(actor=actor, quarter_id=quarter_id)
    rules = quarter.frozen_rules
    form = ResultFilterForm(request.GET or None, regions=selectors.township_choices(actor=actor),
                            tiers=[t.label for t in rules.tiers])
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ResultFilter(region=data.get("region", ""), tier=data.get("tier", ""),
                                     q=data.get("q", ""))
    summary = selectors.quarter_summary(actor=actor, quarter=quarter)
    return render(request, "appraisals/quarter_detail.html", {
        **paginate(request, selectors.results_for(actor=actor, quarter=quarter,
                                                  filters=filters), 50),
        "quarter": quarter, "rules": rules, "filter_form": form,
        "summary": summary,
        "kpis": [(key, KPI_LABELS[key], rules.weights.get(key, 0)) for key in KPI_KEYS],
        "can_compute": permissions.is_county_staff(actor),
        "finalize_refusal": permissions.finalize_conflict(
            actor, not quarter.is_finalized and summary["scored_by_me"] > 0),
        "can_score": actor.role in permissions.SCORE_ROLES and not quarter.is_finalized})


@roles_required(permissions.COUNTY_ROLES)
@require_POST
def quarter_finalize(request: HttpRequest, quarter_id: int) -> HttpResponse:
    quarter = selectors.quarter_get_for(actor=request.user, quarter_id=quarter_id)
    try:
        services.quarter_finalize(actor=request.user, quarter=quarter, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{quarter.period.label}考核结果已定稿，专职委员可以查看并申诉。")
    return redirect("appraisals:quarter_detail", quarter_id=quarter.pk)


@roles_required(permissions.COUNTY_ROLES)
@require_POST
def payment_list_export(request: HttpRequest, quarter_id: int) -> HttpResponse:
    quarter = selectors.quarter_get_for(actor=request.user, quarter_id=quarter_id)
    try:
        task = jobs.payment_list_export_start(actor=request.user, quarter=quarter)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("appraisals:quarter_detail", quarter_id=quarter.pk)
    return redirect("core:task_progress", task_id=task.pk)


# ------------------------------------------------------------------ one officer's result


@roles_required(permissions.VIEW_ROLES)
def result_detail(request: HttpRequest, result_id: int) -> HttpResponse:
    actor = request.user
    result = selectors.result_get_for(actor=actor, result_id=result_id)
    quarter, rules = result.quarter, result.quarter.frozen_rules
    appeal = getattr(result, "appeal", None)
    deadline = selectors.appeal_deadline(quarter)
    return render(request, "appraisals/result_detail.html", {
        "result": result, "quarter": quarter, "rules": rules, "appeal": appeal,
        "kpi_lines": selectors.kpi_lines(result, rules),
        "manual_lines": selectors.manual_lines(result, rules), "deadline": deadline,
        "can_score": not quarter.is_finalized and permissions.can_score(actor, result),
        "can_appeal": (quarter.is_finalized and appeal is None and deadline is not None
                       and timezone.localdate() <= deadline
                       and permissions.can_appeal(actor, result)),
        "can_decide": appeal is not None and appeal.is_open
        and permissions.can_decide_appeal(actor, appeal)})


@roles_required(permissions.SCORE_ROLES)
def result_scores(request: HttpRequest, result_id: int) -> HttpResponse:
    result = selectors.result_get_for(actor=request.user, result_id=result_id)
    if result.quarter.is_finalized:
        messages.error(request, "该季度已定稿，人工评分不能再修改。")
        return redirect("appraisals:result_detail", result_id=result.pk)
    form = ManualScoreForm(_post(request), rules=result.quarter.frozen_rules,
                           current=result.manual_scores)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.manual_scores_save(actor=request.user, result=result,
                                                 scores=form.scores, request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request,
                             f"已保存{result.name}的人工评分，考核得分 {result.score} 分。")
            return redirect("appraisals:quarter_detail", quarter_id=result.quarter_id)
    return render(request, "appraisals/result_scores.html", {"result": result, "form": form})


@roles_required(permissions.APPEAL_ROLES)
def my_results(request: HttpRequest) -> HttpResponse:
    return render(request, "appraisals/my_results.html", {
        **paginate(request, selectors.results_for(actor=request.user), 20)})


# ------------------------------------------------------------------ appeals


@roles_required(permissions.APPEAL_ROLES)
def appeal_file(request: HttpRequest, result_id: int) -> HttpResponse:
    result = selectors.result_get_for(actor=request.user, result_id=result_id)
    form = AppealForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.appeal_file(actor=request.user, result=result,
                                 reason=form.cleaned_data["reason"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "申诉已提交，县残联处理后将在本页显示处理结果。")
            return redirect("appraisals:result_detail", result_id=result.pk)
    return render(request, "appraisals/appeal_form.html", {
        "result": result, "form": form,
        "deadline": selectors.appeal_deadline(result.quarter)})


@roles_required(permissions.OVERVIEW_ROLES)
def appeal_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in AppealStatus.values else ""
    return render(request, "appraisals/appeal_list.html", {
        **paginate(request, selectors.appeals_for(actor=request.user, status=status), 30),
        "status": status, "statuses": AppealStatus.choices})


@roles_required(permissions.COUNTY_ROLES)
def appeal_decide(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = selectors.appeal_get_for(actor=request.user, appeal_id=appeal_id)
    if not appeal.is_open:
        messages.info(request, "该申诉已处理。")
        return redirect("appraisals:result_detail", result_id=appeal.result_id)
    form = DecisionForm(_post(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.appeal_decide(
                actor=request.user, appeal=appeal, upheld=data["outcome"] == "upheld",
                reason=data["decision_reason"], adjusted_score=data["adjusted_score"],
                request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"申诉处理结果已记录：{appeal.get_status_display()}。")
            return redirect("appraisals:result_detail", result_id=appeal.result_id)
    return render(request, "appraisals/appeal_decide.html", {
        "appeal": appeal, "result": appeal.result, "form": form})


# ------------------------------------------------------------------ scheme


@roles_required(permissions.VIEW_ROLES)
def scheme(request: HttpRequest) -> HttpResponse:
    actor = request.user
    schemes = list(selectors.schemes_for(actor=actor)[:20])
    current = selectors.scheme_in_force(county_id=selectors.county_of(actor).code,
                                        quarter=Quarter.of(timezone.localdate()))
    return render(request, "appraisals/scheme.html", {
        "schemes": schemes, "current": current,
        "rules": current.rules if current else None,
        "kpis": [(KPI_LABELS[key], KPI_HELP[key], current.rules.weights.get(key, 0))
                 for key in KPI_KEYS] if current else [],
        "tiers": [(t, current.rules.amount_for(t)) for t in current.rules.tiers] if current else [],
        "can_edit": permissions.is_county_staff(actor)})


def _scheme_quarters(actor: Any) -> list[Quarter]:
    """From the quarter after the last finalised one (or a year back) to a year ahead."""
    today = Quarter.of(timezone.localdate())
    last = selectors.latest_finalized(county_id=selectors.county_of(actor).code)
    first = last.period.next() if last else today.previous().previous().previous().previous()
    found = [first]
    while found[-1] < today.next().next().next().next():
        found.append(found[-1].next())
    return found


@roles_required(permissions.COUNTY_ROLES)
def scheme_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    current = selectors.schemes_for(actor=actor).first()
    quarters = _scheme_quarters(actor)
    form = SchemeForm(_post(request), quarters=quarters,
                      initial_rules=current.rules if current else DEFAULT_RULES,
                      initial={"effective_from": Quarter.last_finished(
                          timezone.localdate()).next().key})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.scheme_save(actor=actor, starts=form.period, rules=form.rules,
                                         note=form.cleaned_data["note"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"考核方案已保存，自{saved.starts.label}起适用。")
            return redirect("appraisals:scheme")
    return render(request, "appraisals/scheme_form.html", {"form": form, "current": current})
