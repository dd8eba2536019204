"""Cross-check pages: counts by kind and township, the review queue, a finding, candidates,
the list history with import and re-run, export, and the class confirmation (county_admin)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_id_number
from canlian.core.roles import Role
from canlian.core.selectors import region_labels
from canlian.core.views.paging import paginate
from canlian.crosscheck import datasets, jobs, selectors, services
from canlian.crosscheck.forms import DecisionForm, FindingFilterForm, ListImportForm
from canlian.crosscheck.models import FindingKind, FindingStatus
from canlian.crosscheck.permissions import (
    CONFIRM_CLASS_ROLES,
    CONFIRM_ROLES,
    DATASET_ROLES,
    EXPORT_ROLES,
    IMPORT_ROLES,
    VIEW_ROLES,
    can_confirm,
    can_confirm_class,
    can_import,
)
from canlian.crosscheck.presentation import finding_action, finding_evidence


def _filters(request: HttpRequest, data: object) -> tuple[FindingFilterForm,
                                                           selectors.FindingFilter]:
    form = FindingFilterForm(data or None, townships=selectors.township_choices(request.user))
    if not form.is_valid():
        return form, selectors.FindingFilter()
    values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    return form, selectors.FindingFilter(**{"status": "", **values})


@roles_required(VIEW_ROLES | {Role.VILLAGE_LIAISON})
def overview(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.VILLAGE_LIAISON:  # the module's part for a village: the survey
        return redirect("crosscheck:survey_home")
    rows = selectors.finding_counts_for(actor=request.user)
    kinds = [k for k in FindingKind if any(k.value in r.counts for r in rows)]
    totals = {k.value: sum(r.counts.get(k.value, 0) for r in rows) for k in kinds}
    return render(request, "crosscheck/overview.html", {
        "rows": rows, "kinds": kinds, "totals": totals,
        "total": sum(totals.values()),
        "candidates": selectors.candidates_for(request.user).count(),
        "can_confirm_class": can_confirm_class(request.user),
    })


@roles_required(VIEW_ROLES)
def finding_list(request: HttpRequest) -> HttpResponse:
    data = request.GET if request.GET else {"status": FindingStatus.OPEN}
    form, filters = _filters(request, data)
    context = paginate(request, selectors.findings_for(actor=request.user, filters=filters), 50)
    places = region_labels(finding.region_code for finding in context["page"])
    for finding in context["page"]:
        finding.region_label = places.get(finding.region_code, finding.region_code)
        finding.action = finding_action(finding)
        finding.masked_id = mask_id_number(finding.person.id_number if finding.person_id
                                           else finding.row.id_number)
    return render(request, "crosscheck/finding_list.html", {
        **context, "form": form, "filters": filters,
        "can_export": request.user.role in EXPORT_ROLES,
        "can_confirm_class": can_confirm_class(request.user),
        "class_kinds": FindingKind.choices,
    })


@roles_required(VIEW_ROLES)
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = selectors.finding_get_for(actor=request.user, finding_id=finding_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and can_confirm(request.user) and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "confirm":
                services.finding_confirm(actor=request.user, finding=finding,
                                         note=form.cleaned_data["note"], request=request)
                messages.success(request, "已确认并按建议处理。")
            else:
                services.finding_dismiss(actor=request.user, finding=finding,
                                         reason=form.cleaned_data["note"], request=request)
                messages.success(request, "已排除，未作任何变更。")
            return redirect("crosscheck:finding_detail", finding_id=finding.pk)
        except DomainError as error:
            form.add_domain_error(error)
    number = finding.person.id_number if finding.person_id else finding.row.id_number
    return render(request, "crosscheck/finding_detail.html", {
        "finding": finding, "form": form, "evidence": finding_evidence(finding),
        "region_label": region_labels([finding.region_code]).get(finding.region_code,
                                                                 finding.region_code),
        "action": finding_action(finding), "masked_id": mask_id_number(number),
        "can_decide": can_confirm(request.user) and finding.status == FindingStatus.OPEN,
    })


@roles_required(EXPORT_ROLES)
@require_POST
def finding_export(request: HttpRequest) -> HttpResponse:
    _, filters = _filters(request, request.POST)
    run = jobs.findings_export_start(actor=request.user, filters=filters)
    return redirect("core:task_progress", task_id=run.pk)


@roles_required(CONFIRM_CLASS_ROLES)
@require_POST
def confirm_class(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in FindingKind.values:
        messages.error(request, "请选择发现类型。")
        return redirect("crosscheck:overview")
    run = jobs.confirm_class_start(actor=request.user, kind=kind)
    return redirect("core:task_progress", task_id=run.pk)


@roles_required(CONFIRM_ROLES | {Role.TOWNSHIP_STAFF, Role.LEADER})
def candidate_list(request: HttpRequest) -> HttpResponse:
    context = paginate(request, selectors.candidates_for(request.user)
                       .order_by("row__dataset_id", "row__row_number", "pk"), 50)
    for candidate in context["page"]:
        candidate.masked_list_id = mask_id_number(candidate.row.id_number)
        candidate.masked_person_id = mask_id_number(candidate.person.id_number)
    return render(request, "crosscheck/candidate_list.html", {
        **context, "can_decide": can_confirm(request.user)})


@roles_required(CONFIRM_ROLES)
@require_POST
def candidate_decide(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = selectors.candidate_get_for(actor=request.user, candidate_id=candidate_id)
    try:
        if request.POST.get("decision") == "accept":
            services.candidate_accept(actor=request.user, candidate=candidate, request=request)
            messages.success(request, "已确认为同一人，并已生成该行的比对发现。")
        else:
            services.candidate_reject(actor=request.user, candidate=candidate, request=request)
            messages.success(request, "已排除该疑似匹配。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("crosscheck:candidate_list")


@roles_required(DATASET_ROLES)
def dataset_list(request: HttpRequest) -> HttpResponse:
    return render(request, "crosscheck/dataset_list.html", {
        **paginate(request, selectors.datasets_for(request.user), 30),
        "can_import": can_import(request.user)})


@roles_required(IMPORT_ROLES)
def dataset_import(request: HttpRequest) -> HttpResponse:
    form = ListImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > jobs.MAX_LIST_BYTES:
            form.add_error("file", "文件超过 200 MB，请拆分后分批导入。")
        else:
            path = jobs.upload_path(uuid.uuid4().hex)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            month = form.cleaned_data["month"]
            run = jobs.dataset_import_start(
                actor=request.user, path=path, filename=upload.name,
                kind=form.cleaned_data["kind"], source=form.cleaned_data["source"],
                month=f"{month:%Y-%m}" if month else "")
            return redirect("core:task_progress", task_id=run.pk)
    return render(request, "crosscheck/dataset_import.html", {"form": form})


@roles_required(DATASET_ROLES)
def dataset_detail(request: HttpRequest, dataset_id: int) -> HttpResponse:
    dataset = selectors.dataset_get_for(actor=request.user, dataset_id=dataset_id)
    if request.method == "POST" and can_import(request.user):
        try:
            outcome = datasets.dataset_rematch(actor=request.user, dataset=dataset)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"重新比对完成：匹配 {outcome.matched} 人，新增发现 "
                                      f"{sum(outcome.added.values())} 条。")
        return redirect("crosscheck:dataset_detail", dataset_id=dataset.pk)
    return render(request, "crosscheck/dataset_detail.html", {
        "dataset": dataset, "can_import": can_import(request.user),
        "by_kind": selectors.dataset_counts(actor=request.user, dataset=dataset)})
