"""Visit pages (phone-first): the due list, recording a visit with its needs (drafts saved as
the officer types), visit records, the need list and the visit plans."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from canlian.cases import due, files, selectors, visits
from canlian.cases.forms import (
    DueFilterForm,
    NeedFilterForm,
    RoundForm,
    ScheduleForm,
    VisitFilterForm,
    VisitForm,
)
from canlian.cases.models import NeedOutcome, ScheduleCondition, VisitSchedule
from canlian.cases.permissions import PLAN_ROLES, READ_ROLES, SETTINGS_ROLES, VISIT_ROLES
from canlian.core import audit
from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region
from canlian.core.views.paging import paginate


@roles_required(READ_ROLES)
def due_list(request: HttpRequest) -> HttpResponse:
    states = list(due.DueState.LABELS.items())
    form = DueFilterForm(request.GET or None, states=[s for s in states
                                                      if s[0] != due.DueState.DONE] +
                         [(due.DueState.DONE, due.DueState.LABELS[due.DueState.DONE])])
    values = form.cleaned_data if form.is_valid() else {}
    persons, plan = selectors.due_list_for(actor=request.user, state=values.get("state", ""),
                                           q=values.get("q", ""))
    summary = selectors.due_summary_for(actor=request.user, plan=plan)
    if not values.get("q"):
        persons.count_from(summary)  # the same people: no second count
    context = paginate(request, persons, 30)
    context["rows"] = selectors.due_rows(context["page"], plan)
    villages = [] if request.user.region.level == "village" else \
        selectors.due_by_village(actor=request.user)
    return render(request, "cases/due_list.html", {
        **context, "form": form, "summary": summary,
        "labels": due.DueState.LABELS, "villages": villages, "plan": plan,
        "can_visit": request.user.role in VISIT_ROLES, "today": plan.today,
    })


def _draft_initial(request: HttpRequest, person: Any) -> dict[str, Any]:
    draft = selectors.draft_get(actor=request.user, person=person)
    initial: dict[str, Any] = {"visited_on": timezone.localdate(), "mode": "home"}
    if draft is not None:
        initial.update(draft.data)
        for key, value in draft.data.items():
            if key.startswith("need_") and not key.endswith("_note"):
                initial[key] = value in ("on", "true", "True", "1", True)
    return initial


@roles_required(VISIT_ROLES)
def visit_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_for_visit(actor=request.user, person_id=person_id)
    draft = selectors.draft_get(actor=request.user, person=person)
    data = request.POST if request.method == "POST" else None
    if data is not None and data.get("action") == "draft":
        visits.visit_draft_save(actor=request.user, person=person, data=data.dict())
        messages.success(request, "草稿已保存，可稍后继续填写。")
        return redirect("cases:visit_create", person_id=person.pk)
    form = VisitForm(data, request.FILES or None, initial=_draft_initial(request, person))
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        photo = cleaned.get("photo")
        try:
            visit = visits.visit_record(
                actor=request.user, person=person, visited_on=cleaned["visited_on"],
                mode=cleaned["mode"], people_met=cleaned["people_met"],
                living_arrangement=cleaned["living_arrangement"],
                living_note=cleaned["living_note"], summary=cleaned["summary"],
                needs=form.needs(),
                photo=files.Upload(photo.name, photo.read()) if photo else None,
                request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已登记对{person.name}的走访"
                                      f"（{visit.get_purpose_display()}）。")
            return redirect("cases:visit_detail", visit_id=visit.pk)
    if data is not None and not form.is_valid():
        # A rejected submission is kept as a draft too: nothing typed is lost.
        visits.visit_draft_save(actor=request.user, person=person, data=data.dict())
    return render(request, "cases/visit_form.html", {
        "person": person, "form": form, "draft": draft,
        "last_visits": selectors.person_visits(actor=request.user,
                                                               person=person, limit=3),
    })


@roles_required(VISIT_ROLES)
def visit_draft(request: HttpRequest, person_id: int) -> HttpResponse:
    """Autosave (canlian/cases/static/cases/js/visit-draft.js posts the form every few seconds):
    POST saves, a POST with discard=1 deletes; GET returns the saved draft as JSON."""
    person = selectors.person_for_visit(actor=request.user, person_id=person_id)
    if request.method == "POST":
        if request.POST.get("discard"):
            visits.visit_draft_discard(actor=request.user, person=person)
            if not request.headers.get("X-Requested-With"):
                messages.success(request, "草稿已删除。")
                return redirect("cases:visit_create", person_id=person.pk)
            return JsonResponse({"saved": False})
        try:
            draft = visits.visit_draft_save(actor=request.user, person=person,
                                            data=request.POST.dict())
        except DomainError as error:
            return JsonResponse({"error": error.message}, status=409)
        return JsonResponse({"saved": True,
                             "at": f"{timezone.localtime(draft.updated_at):%H:%M:%S}"})
    draft = selectors.draft_get(actor=request.user, person=person)
    body = {"data": draft.data if draft else {},
            "at": f"{timezone.localtime(draft.updated_at):%H:%M:%S}" if draft else None}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


@roles_required(READ_ROLES)
def visit_list(request: HttpRequest) -> HttpResponse:
    form = VisitFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    filters = selectors.VisitFilter(**{k: v for k, v in values.items() if v})
    return render(request, "cases/visit_list.html", {
        "form": form, **paginate(request, selectors.visits_for(actor=request.user,
                                                               filters=filters), 50),
    })


@roles_required(READ_ROLES)
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_get_for(actor=request.user, visit_id=visit_id)
    return render(request, "cases/visit_detail.html", {
        "visit": visit, "needs": selectors.needs_of(visit),
        "can_decide": request.user.role in VISIT_ROLES,
    })


@roles_required(READ_ROLES)
def visit_photo(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = selectors.visit_get_for(actor=request.user, visit_id=visit_id)
    path = files.absolute(visit.photo_path) if visit.photo_path else None
    if path is None or not path.is_file():
        raise Http404("该走访没有照片。")
    audit.audit_record(actor=request.user, action=AuditAction.EXPORT, obj=visit,
                       summary="查看走访照片", request=request)
    return FileResponse(path.open("rb"), content_type=visit.photo_content_type)


NEED_ACTIONS = {"case": "转为诉求", "demand": "列入服务需求", "resolved": "当场解决"}


@roles_required(VISIT_ROLES)
def need_action(request: HttpRequest, need_id: int, action: str) -> HttpResponse:
    if action not in NEED_ACTIONS:
        raise Http404("没有这个操作。")
    need = selectors.need_get_for(actor=request.user, need_id=need_id)
    if request.method != "POST":
        return redirect("cases:visit_detail", visit_id=need.visit_id)
    try:
        if action == "case":
            case = visits.need_to_case(actor=request.user, need=need, request=request)
        else:
            visits.need_decide(actor=request.user, need=need, outcome=action, request=request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("cases:visit_detail", visit_id=need.visit_id)
    if action == "case":
        messages.success(request, f"已转为诉求 {case.reference}，承办单位："
                                  f"{case.responsible_unit or '待指定'}。")
        return redirect("cases:case_detail", case_id=case.pk)
    messages.success(request, f"需求已{NEED_ACTIONS[action]}。")
    return redirect("cases:visit_detail", visit_id=need.visit_id)


@roles_required(READ_ROLES)
def need_list(request: HttpRequest) -> HttpResponse:
    form = NeedFilterForm(request.GET or None, outcomes=list(NeedOutcome.choices))
    values = form.cleaned_data if form.is_valid() else {}
    needs = selectors.needs_for(actor=request.user, outcome=values.get("outcome", ""),
                                kind=values.get("kind", ""))
    return render(request, "cases/need_list.html", {"form": form, **paginate(request, needs, 50)})


@roles_required(PLAN_ROLES)
def plans(request: HttpRequest) -> HttpResponse:
    """Census rounds (county and township staff) and visit schedules (county staff)."""
    regions = _nonvillage_regions(request)
    round_form = RoundForm(request.POST if request.POST.get("form") == "round" else None,
                           regions=regions, prefix="round")
    schedule_form = ScheduleForm(request.POST if request.POST.get("form") == "schedule" else None,
                                 regions=regions, prefix="schedule")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "round" and round_form.is_valid():
                data = round_form.cleaned_data
                visits.round_create(actor=request.user, name=data["name"],
                                    region=Region.objects.get(code=data["region"]),
                                    started_on=data["started_on"], due_on=data["due_on"],
                                    request=request)
                messages.success(request, "遍访已安排。")
                return redirect("cases:plans")
            if request.POST.get("form") == "schedule" and schedule_form.is_valid():
                data = schedule_form.cleaned_data
                visits.schedule_save(actor=request.user, name=data["name"],
                                     region=Region.objects.get(code=data["region"]),
                                     interval_months=data["interval_months"],
                                     conditions=data["conditions"], request=request)
                messages.success(request, "走访周期已保存。")
                return redirect("cases:plans")
            if request.POST.get("form") == "schedule_off":
                schedule = selectors.schedules_for(actor=request.user).filter(
                    pk=request.POST.get("schedule") or 0).first()
                if schedule is None:
                    raise Http404("没有找到该走访周期。")
                _schedule_toggle(request, schedule)
                return redirect("cases:plans")
        except DomainError as error:
            target = round_form if request.POST.get("form") == "round" else schedule_form
            if request.POST.get("form") == "schedule_off":
                messages.error(request, error.message)
                return redirect("cases:plans")
            target.add_domain_error(error)
    labels = dict(ScheduleCondition.choices)
    schedules = [{"s": s, "conditions": [labels.get(c, c) for c in s.conditions]}
                 for s in selectors.schedules_for(actor=request.user)]
    return render(request, "cases/plans.html", {
        "rounds": list(selectors.rounds_for(actor=request.user)[:20]),
        "schedules": schedules, "round_form": round_form, "schedule_form": schedule_form,
        "can_schedule": request.user.role in SETTINGS_ROLES,
        "default_interval": due.DEFAULT_INTERVAL_MONTHS,
    })


def _nonvillage_regions(request: HttpRequest) -> list[tuple[str, str]]:
    levels = dict(Region.objects.filter(code__startswith=request.user.region.prefix)
                  .values_list("code", "level"))
    return [(c, label) for c, label in core_selectors.region_choices_for(actor=request.user)
            if levels.get(c) != "village"] or [(request.user.region_id, request.user.region.name)]


def _schedule_toggle(request: HttpRequest, schedule: VisitSchedule) -> None:
    visits.schedule_save(actor=request.user, name=schedule.name, region=schedule.region,
                         interval_months=schedule.interval_months,
                         conditions=schedule.conditions, schedule=schedule,
                         is_active=not schedule.is_active, request=request)
    state = "启用" if schedule.is_active else "停用"
    messages.success(request, f"走访周期“{schedule.name}”已{state}。")

