"""Certificate pages: the application list and detail, submission, each step's form, the
assessor's page, deadlines, the expiry campaign, statistics and the PDFs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from canlian.certificates import documents, selectors, services, workflow
from canlian.certificates.forms import (
    AcceptForm,
    ApplicationFilterForm,
    ApplicationForm,
    AssessmentForm,
    AssignForm,
    ConfirmForm,
    ExpiryFilterForm,
    IssueForm,
    ReasonForm,
    TravelForm,
    VersionForm,
)
from canlian.certificates.models import Application, Channel, DocumentKind, Step
from canlian.certificates.permissions import (
    DOCUMENT_ROLES,
    READ_ROLES,
    STAFF_SUBMIT_ROLES,
    STATISTICS_ROLES,
    can_act,
    can_record_assessment,
    review_conflict,
)
from canlian.core import audit
from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region
from canlian.core.params import query_ids
from canlian.core.roles import BUSINESS_ROLES, Role
from canlian.core.views.paging import paginate


@roles_required(BUSINESS_ROLES)
def application_list(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.ASSESSOR:
        return redirect("certificates:assessment_list")
    form = ApplicationFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    filters = selectors.ApplicationFilter(**{k: v for k, v in values.items() if v})
    apps = selectors.applications_for(actor=request.user, filters=filters)
    return render(request, "certificates/application_list.html", {
        "form": form, **paginate(request, apps, 50),
        "can_submit": request.user.role in STAFF_SUBMIT_ROLES,
        "deadlines": selectors.deadlines_for(actor=request.user),
    })


def _village_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [(code, label) for code, label in core_selectors.region_choices_for(actor=request.user)
            if not code.endswith("000")]


@roles_required(STAFF_SUBMIT_ROLES)
def application_create(request: HttpRequest) -> HttpResponse:
    channels = [(c.value, c.label) for c in Channel
                if c in workflow.SUBMIT_CHANNELS[request.user.role]]
    form = ApplicationForm(request.POST if request.method == "POST" else None,
                           region_choices=_village_choices(request), channel_choices=channels)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            application = services.application_submit(
                actor=request.user, type=data["type"], channel=data["channel"],
                name=data["name"], id_number=data["id_number"], region_code=data["region"],
                phone=data["phone"], applicant_relation=data["applicant_relation"],
                declared_category=data["declared_category"],
                renewal_reason=data["renewal_reason"], cancel_reason=data["cancel_reason"],
                destination=data["destination"],
                previous_certificate_number=data["previous_certificate_number"],
                previous_valid_until=data["previous_valid_until"],
                cross_direction=data["cross_direction"], other_place=data["other_place"],
                note=data["note"], in_person=data["in_person"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"申请已提交，受理编号 {application.reference}。")
            return redirect("certificates:application_detail", application_id=application.pk)
    return render(request, "certificates/application_form.html", {"form": form})


ACTIONS: dict[str, tuple[str, str]] = {
    # action → (step it belongs to, page title)
    "accept": (Step.ACCEPT, "受理（材料清单）"),
    "assign": (Step.ASSESS, "指派评定"),
    "publicity": (Step.PUBLICIZE, "结束公示"),
    "objection": (Step.PUBLICIZE, "记录异议"),
    "review": (Step.REVIEW, "县残联审核"),
    "reject": (Step.ACCEPT, "不予通过"),
    "produce": (Step.PRODUCE, "制证"),
    "issue": (Step.ISSUE, "发放"),
    "close": (Step.CLOSE, "办结"),
    "forward": (Step.FORWARD, "推送户籍地"),
}


def separation_refusal(actor: Any, application: Application) -> str:
    """Why the actor may not take the review decision now (不相容岗位分离), or ""."""
    if not application.is_open or application.step != Step.REVIEW:
        return ""
    return review_conflict(actor, selectors.step_actors(application))


def available_actions(actor: Any, application: Application) -> list[tuple[str, str]]:
    """The actions this actor may take now: the current step's, plus reject and objection;
    not the review decision for whoever submitted, accepted or assessed the application."""
    if not application.is_open:
        return []
    found = []
    refused = bool(separation_refusal(actor, application))
    for action, (step, title) in ACTIONS.items():
        if refused and action in ("review", "reject"):
            continue
        if action == "reject":
            ok = application.step in (Step.ACCEPT, Step.REVIEW) and can_act(
                actor, application, application.step)
        elif action == "objection":
            ok = application.step in (Step.PUBLICIZE, Step.REVIEW, Step.PRODUCE) and can_act(
                actor, application, Step.PUBLICIZE)
        else:
            ok = application.step == step and can_act(actor, application, step)
        if ok:
            found.append((action, title))
    return found


@roles_required(READ_ROLES)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for(actor=request.user,
                                                application_id=application_id)
    return render(request, "certificates/application_detail.html", {
        "a": application, "timeline": selectors.application_timeline(application),
        "documents": selectors.documents_of(application),
        "assessments": list(application.assessments.select_related("assessor")),
        "actions": available_actions(request.user, application),
        "separation_refusal": separation_refusal(request.user, application),
        "objection_until": services.objection_deadline(application),
        "missing": [DocumentKind(k).label for k in application.materials_missing],
    })


def _action_form(action: str, request: HttpRequest, application: Application) -> VersionForm:
    data = request.POST if request.method == "POST" else None
    initial = {"version": application.version}
    if action == "accept":
        return AcceptForm(data, initial={
            **initial, "received": selectors.materials_received(application)},
            required=workflow.materials_required(application))
    if action == "assign":
        assessors = [(str(u.pk), f"{u.name}（{u.region.name}）")
                     for u in selectors.assessors_for(application).select_related("region")]
        place = {Channel.HOME: "home", Channel.TOWNSHIP: "township"}.get(application.channel,
                                                                          "hospital")
        return AssignForm(data, initial={**initial, "place": place}, assessors=assessors)
    if action in ("reject", "objection"):
        return ReasonForm(data, initial=initial,
                          label="不予通过的原因" if action == "reject" else "异议内容")
    if action == "issue":
        return IssueForm(data, initial={**initial, "in_person": workflow.default_in_person(
            application, Step.ISSUE)})
    return ConfirmForm(data, initial=initial)


def _run(action: str, request: HttpRequest, application: Application,
         data: dict[str, Any]) -> None:
    common = {"actor": request.user, "application": application,
              "expected_version": data["version"], "request": request}
    runners: dict[str, Callable[[], Any]] = {
        "accept": lambda: services.application_accept(
            **common, received=data["received"], in_person=data["in_person"],
            note=data["note"]),
        "assign": lambda: services.assessment_assign(
            **common, assessor=selectors.assessors_for(application).get(pk=data["assessor"]),
            institution=data["institution"], place=data["place"],
            scheduled_on=data["scheduled_on"]),
        "publicity": lambda: services.publicity_complete(**common),
        "objection": lambda: services.objection_record(**common, note=data["reason"]),
        "review": lambda: services.review_approve(**common, note=data["note"]),
        "reject": lambda: services.application_reject(**common, reason=data["reason"]),
        "produce": lambda: services.certificate_produce(**common),
        "issue": lambda: services.certificate_issue(**common, in_person=data["in_person"]),
        "close": lambda: services.application_close(**common),
        "forward": lambda: services.application_forward(**common, note=data["note"]),
    }
    runners[action]()


@roles_required(workflow.PROCESSING_ROLES)
def application_action(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    application = selectors.application_get_for(actor=request.user,
                                                application_id=application_id)
    form = _action_form(action, request, application)
    if request.method == "POST" and form.is_valid():
        try:
            _run(action, request, application, form.cleaned_data)
        except DomainError as error:
            if error.code == "conflict":
                messages.error(request, error.message)
                return redirect("certificates:application_detail", application_id=application.pk)
            form.add_domain_error(error)
        else:
            messages.success(request, f"已完成“{ACTIONS[action][1]}”。")
            return redirect("certificates:application_detail", application_id=application.pk)
    return render(request, "certificates/application_action.html", {
        "a": application, "form": form, "action": action, "title": ACTIONS[action][1],
        "allowed": (action, ACTIONS[action][1]) in available_actions(request.user, application),
        "separation_refusal": separation_refusal(request.user, application)
        if action in ("review", "reject") else "",
    })


def _pdf_response(request: HttpRequest, application: Application, content: bytes,
                  name: str) -> HttpResponse:
    audit.audit_record(actor=request.user, action=AuditAction.EXPORT, obj=application,
                       summary=f"打印{name}", request=request)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{application.reference}.pdf"'
    return response


@roles_required(READ_ROLES | {Role.RESIDENT})
def receipt_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for(actor=request.user,
                                                application_id=application_id)
    return _pdf_response(request, application, documents.receipt_pdf(application), "受理回执")


@roles_required(READ_ROLES | {Role.RESIDENT, Role.ASSESSOR})
def assessment_notice_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_get_for(actor=request.user,
                                                application_id=application_id)
    assessment = application.assessments.select_related("assessor").first()
    if assessment is None:
        messages.error(request, "该申请尚未安排评定，没有评定通知书。")
        target = "portal:application_detail" if request.user.role == Role.RESIDENT else \
            "certificates:application_detail"
        if request.user.role == Role.ASSESSOR:
            return redirect("certificates:assessment_list")
        return redirect(target, application_id=application.pk)
    return _pdf_response(request, application,
                         documents.assessment_notice_pdf(application, assessment), "评定通知书")


@roles_required(DOCUMENT_ROLES)
def document_download(request: HttpRequest, application_id: int,
                      document_id: int) -> HttpResponse:
    document = selectors.document_get_for(actor=request.user, application_id=application_id,
                                          document_id=document_id)
    return document_response(request, document)


def document_response(request: HttpRequest, document: Any) -> HttpResponse:
    """A private upload, sent to a reader already checked by the selector; audited."""
    path = services.document_path(document)
    if not path.is_file():
        raise Http404("文件不存在。")
    audit.audit_record(actor=request.user, action=AuditAction.EXPORT,
                       obj=document.application, summary=f"查看材料：{document.get_kind_display()}",
                       request=request)
    return FileResponse(path.open("rb"), content_type=document.content_type,
                        filename=document.original_name)


# ------------------------------------------------------------------ assessor


@roles_required(Role.ASSESSOR)
def assessment_list(request: HttpRequest) -> HttpResponse:
    assessments = selectors.assessments_for(actor=request.user)
    return render(request, "certificates/assessment_list.html", {
        "assessments": list(assessments),
        "deadlines": selectors.deadlines_for(actor=request.user),
    })


@roles_required(Role.ASSESSOR)
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(actor=request.user, assessment_id=assessment_id)
    application = assessment.application
    form = AssessmentForm(request.POST if request.method == "POST" else None,
                          initial={"version": application.version,
                                   "category": application.declared_category})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_record(
                actor=request.user, assessment=assessment, result=data["result"],
                category=data["category"], grade=data["grade"], components=form.components(),
                note=data["note"], expected_version=data["version"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "评定结论已保存。")
            return redirect("certificates:assessment_list")
    return render(request, "certificates/assessment_detail.html", {
        "assessment": assessment, "a": application, "form": form,
        "can_record": can_record_assessment(request.user, assessment),
    })


# ------------------------------------------------------------------ lists and figures


@roles_required(READ_ROLES)
def deadline_list(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/deadline_list.html",
                  {"deadlines": selectors.deadlines_for(actor=request.user)})


@roles_required(workflow.PROCESSING_ROLES)
def expiring_list(request: HttpRequest) -> HttpResponse:
    townships = [(r.code, r.name) for r in selectors.townships_for(request.user)]
    form = ExpiryFilterForm(request.GET or None, townships=townships)
    township = form.cleaned_data.get("township", "") if form.is_valid() else ""
    if request.method == "POST":
        ids = query_ids(request.POST.getlist("person"))
        if not ids:
            messages.error(request, "请先勾选需要换领的人员。")
        else:
            try:
                created = services.renewals_open(actor=request.user, person_ids=ids,
                                                 request=request)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                skipped = len(ids) - len(created)
                messages.success(request, f"已为 {len(created)} 人发起换领申请"
                                          f"（已有办理中申请的 {skipped} 人未重复发起）。")
        return redirect(request.get_full_path())
    persons = selectors.expiring_for(actor=request.user, township=township)
    return render(request, "certificates/expiring_list.html", {
        "form": form, **paginate(request, persons, 100),
        "by_township": selectors.expiring_by_township(actor=request.user),
        "days": selectors.EXPIRY_DAYS,
    })


@roles_required(STATISTICS_ROLES)
def statistics(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/statistics.html",
                  {"stats": selectors.statistics_for(actor=request.user)})


@roles_required(Role.COUNTY_STAFF)
def travel_assumptions(request: HttpRequest) -> HttpResponse:
    county = Region.objects.get(code=request.user.region.prefix[:6].ljust(12, "0"))
    regions = [(county.code, f"{county.name}（默认）")] + [
        (r.code, r.name) for r in selectors.townships_for(request.user)]
    form = TravelForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.travel_assumption_set(
                actor=request.user, region=Region.objects.get(code=data["region"]),
                days_per_trip=data["days_per_trip"],
                cost_per_trip_amount=data["cost_per_trip_amount"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "往返成本已保存。")
            return redirect("certificates:travel_assumptions")
    names = dict(regions)
    rows = [{"name": names.get(code, code), "row": row}
            for code, row in sorted(selectors.travel_assumptions(request.user).items())]
    return render(request, "certificates/travel_assumptions.html", {"form": form, "rows": rows})

