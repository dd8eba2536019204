"""Eligibility runs (资格比对) and their gap lists: 待纳入 and 应停发."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.benefits import jobs, selectors
from canlian.benefits.forms import RunForm
from canlian.benefits.models import GapKind, Policy
from canlian.benefits.permissions import EXPORT_ROLES, PAYROLL_ROLES, VIEW_ROLES, can_apply
from canlian.core.access import roles_required
from canlian.core.views.paging import paginate


@roles_required(VIEW_ROLES)
def run_list(request: HttpRequest) -> HttpResponse:
    form = RunForm(request.POST or None)
    if request.method == "POST" and request.user.role in PAYROLL_ROLES and form.is_valid():
        run = jobs.eligibility_run_enqueue(actor=request.user, month=form.cleaned_data["month"])
        return redirect("core:task_progress", task_id=run.task_run_id)
    return render(request, "benefits/run_list.html", {
        **paginate(request, selectors.runs_for(request.user), 20), "form": form,
        "can_run": request.user.role in PAYROLL_ROLES,
    })


@roles_required(VIEW_ROLES)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get_for(actor=request.user, run_id=run_id)
    counts = selectors.gap_counts_for(actor=request.user, run=run)
    policies = Policy.objects.filter(code__in=run.summary).order_by("level", "code")
    rows = [{"policy": p, **run.summary[p.code],
             "mine_to_enrol": counts.get((p.pk, GapKind.TO_ENROL), 0),
             "mine_to_stop": counts.get((p.pk, GapKind.TO_STOP), 0)} for p in policies]
    return render(request, "benefits/run_detail.html", {"run": run, "rows": rows})


def _gap_kind(kind: str) -> GapKind:
    return GapKind(kind) if kind in GapKind.values else GapKind.TO_ENROL


@roles_required(VIEW_ROLES)
def gap_list(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    run = selectors.run_get_for(actor=request.user, run_id=run_id)
    kind = _gap_kind(kind)
    policy = Policy.objects.filter(code=request.GET.get("policy", "")).first()
    context = paginate(request, selectors.gaps_for(actor=request.user, run=run, kind=kind,
                                                   policy=policy), 50)
    liaisons = selectors.liaisons_for_villages({gap.region_id for gap in context["page"]})
    for gap in context["page"]:
        gap.liaisons = liaisons.get(gap.region_id, [])
    return render(request, "benefits/gap_list.html", {
        **context, "run": run, "kind": kind, "policy": policy,
        "can_apply": can_apply(request.user),
        "can_export": request.user.role in EXPORT_ROLES,
    })


@roles_required(EXPORT_ROLES)
@require_POST
def gap_export(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    run = selectors.run_get_for(actor=request.user, run_id=run_id)
    policy = Policy.objects.filter(code=request.POST.get("policy", "")).first()
    task = jobs.gap_export_start(actor=request.user, run=run, kind=_gap_kind(kind),
                                 policy=policy)
    return redirect("core:task_progress", task_id=task.pk)
