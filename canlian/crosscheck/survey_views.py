"""Annual dynamic update pages: completion by village, the phone page per person (liaison
officers), import of answers, and the review of proposed registry updates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.roles import Role
from canlian.core.tables import ImportFileError, TableLimits, read_table
from canlian.core.views.paging import paginate
from canlian.crosscheck import survey
from canlian.crosscheck.models import Questionnaire, SurveyChannel, SurveyResponse
from canlian.crosscheck.permissions import (
    SURVEY_COLLECT_ROLES,
    SURVEY_REVIEW_ROLES,
    SURVEY_VIEW_ROLES,
    can_review_survey,
)
from canlian.registry.models import Person

# Read within the request: a county's survey sheet, one column per questionnaire item.
SURVEY_LIMITS = TableLimits(label="动态更新导入", max_rows=50_000, max_columns=128,
                            max_unpacked_bytes=512 * 1024 * 1024)


def _questionnaire() -> Questionnaire:
    questionnaire = survey.active_questionnaire()
    if questionnaire is None:
        raise Http404("尚未载入动态更新问卷。")
    return questionnaire


@roles_required(SURVEY_VIEW_ROLES)
def survey_home(request: HttpRequest) -> HttpResponse:
    questionnaire = survey.active_questionnaire()
    context: dict[str, Any] = {"questionnaire": questionnaire, "target": survey.TARGET_RATE}
    if questionnaire is not None:
        rates = survey.completion_by_village(actor=request.user, questionnaire=questionnaire)
        persons = sum(r.persons for r in rates)
        done = sum(r.done for r in rates)
        context.update(rates=rates, persons=persons, done=done,
                       percent=round(done * 100 / persons, 1) if persons else 100.0,
                       proposals=survey.proposals_for(request.user).count())
        if request.user.role == Role.VILLAGE_LIAISON:
            context.update(paginate(request, survey.persons_to_survey(
                actor=request.user, questionnaire=questionnaire), 50))
    return render(request, "crosscheck/survey_home.html", context)


def _items_for_page(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[dict[str, Any]]:
    labels = {i["code"]: i["label"] for i in questionnaire.definition["items"]}
    items = []
    for item in questionnaire.definition["items"]:
        value = answers.get(item["code"])
        items.append({**item, "value": value if value is not None else "",
                      "values": value if isinstance(value, list) else [],
                      "condition": survey.describe_condition(item["show_if"], labels)})
    return items


@roles_required(SURVEY_COLLECT_ROLES)
def survey_person(request: HttpRequest, person_id: int) -> HttpResponse:
    # The annual update is of disabled persons: a household member has no survey page.
    person = get_object_or_404(Person.objects.visible_to(request.user).disabled(), pk=person_id)
    questionnaire = _questionnaire()
    existing = SurveyResponse.objects.filter(questionnaire=questionnaire, person=person).first()
    answers: dict[str, Any] = dict(existing.answers) if existing else {}
    error = None
    if request.method == "POST":
        raw = {item["code"]: (request.POST.getlist(item["code"]) if item["type"] == "multi"
                              else request.POST.get(item["code"], ""))
               for item in questionnaire.definition["items"]}
        channel = request.POST.get("channel", SurveyChannel.DOOR)
        if channel not in (SurveyChannel.DOOR, SurveyChannel.PHONE):
            channel = SurveyChannel.DOOR
        try:
            survey.survey_response_save(actor=request.user, questionnaire=questionnaire,
                                        person=person, raw=raw, channel=channel,
                                        request=request)
        except DomainError as exc:
            error, answers = exc, raw
        else:
            messages.success(request, f"{person.name} 的动态更新已保存。")
            return redirect("crosscheck:survey_home")
    return render(request, "crosscheck/survey_person.html", {
        "person": person, "questionnaire": questionnaire, "existing": existing,
        "items": _items_for_page(questionnaire, answers), "error": error,
    })


@roles_required(SURVEY_REVIEW_ROLES)
def survey_import(request: HttpRequest) -> HttpResponse:
    questionnaire = survey.active_questionnaire()
    result = None
    if questionnaire is not None and request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        path = None
        try:
            import tempfile
            from pathlib import Path

            with tempfile.NamedTemporaryFile(delete=False, suffix=Path(upload.name).suffix
                                             ) as out:
                for chunk in upload.chunks():
                    out.write(chunk)
                path = Path(out.name)
            header, rows = read_table(path, filename=upload.name, limits=SURVEY_LIMITS)
            result = survey.survey_answers_import(actor=request.user,
                                                  questionnaire=questionnaire,
                                                  header=header, rows=rows)
        except ImportFileError as exc:
            messages.error(request, exc.message)
        finally:
            if path is not None:
                path.unlink(missing_ok=True)
        if result is not None and not result.errors:
            messages.success(request, f"已导入 {result.saved} 人的动态更新。")
            return redirect("crosscheck:survey_home")
    return render(request, "crosscheck/survey_import.html", {
        "questionnaire": questionnaire, "result": result})


@roles_required(SURVEY_VIEW_ROLES)
def proposal_list(request: HttpRequest) -> HttpResponse:
    return render(request, "crosscheck/proposal_list.html", {
        **paginate(request, survey.proposals_for(request.user), 50),
        "can_review": can_review_survey(request.user)})


@roles_required(SURVEY_REVIEW_ROLES)
@require_POST
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = get_object_or_404(survey.proposals_for(request.user), pk=proposal_id)
    try:
        survey.proposal_decide(actor=request.user, proposal=proposal,
                               apply=request.POST.get("decision") == "apply",
                               note=request.POST.get("note", ""), request=request)
        messages.success(request, "已处理。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("crosscheck:proposal_list")
