"""Visits and cases JSON API: due lists, visits (with needs), a need's one-step conversion,
cases with their transitions, and the 问题清单 board — the same selectors, services and
permissions as the pages.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from canlian.cases import permissions, selectors, services, visits
from canlian.cases.models import Case, Visit
from canlian.core.api_auth import MAX_ID, api_roles, refusal
from canlian.core.errors import DomainError
from canlian.core.roles import Role
from canlian.core.schemas import ErrorOut, QueryDate
from canlian.registry.models import Person

router = Router(tags=["走访与诉求"])
REFUSALS = {"conflict": 409, "out_of_order": 409, "final": 409, "late": 409, "forbidden": 403,
            "jurisdiction": 404, "separation_of_duties": 403}
NeedKindLiteral = Literal["rehab", "device", "accessibility", "employment", "education", "care",
                          "subsidy", "legal", "other"]
SourceLiteral = Literal["visit", "help", "suggestion", "petition", "hotline", "proposal"]


# ------------------------------------------------------------------ schemas


class DueOut(Schema):
    person_id: int
    name: str
    region_code: str
    state: str
    state_label: str
    is_overdue: bool
    interval_months: int
    last_visit_on: date | None
    due_on: date | None


class DuePage(Schema):
    items: list[DueOut]
    count: int
    summary: dict[str, int]


class DueQuery(Schema):
    state: Literal["", "census", "census_overdue", "due", "overdue", "done"] = ""
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class NeedOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    outcome: str
    case_id: int | None


class VisitOut(Schema):
    id: int
    person_id: int
    person_name: str
    region_code: str
    visitor_id: int
    visitor_name: str
    visited_on: date
    mode: str
    purpose: str
    round_id: int | None
    people_met: str
    living_arrangement: str
    living_note: str
    summary: str
    has_photo: bool
    recorded_at: datetime
    needs: list[NeedOut] = []


class VisitPage(Schema):
    items: list[VisitOut]
    count: int


class VisitQuery(Schema):
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    purpose: Literal["", "census", "follow_up", "ad_hoc"] = ""
    date_from: QueryDate | None = None
    date_to: QueryDate | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class NeedIn(Schema):
    kind: NeedKindLiteral
    description: str = Field(..., min_length=1, max_length=500)


class VisitIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    visited_on: date
    mode: Literal["home", "phone", "at_office", "other"]
    people_met: str = Field(..., min_length=1, max_length=200)
    living_arrangement: Literal["with_family", "alone", "institution", "other"]
    living_note: str = Field("", max_length=500)
    summary: str = Field("", max_length=1000)
    needs: list[NeedIn] = Field([], max_length=9)


class NeedConvertIn(Schema):
    outcome: Literal["case", "demand", "resolved"]


class NeedConvertOut(Schema):
    need: NeedOut
    case_id: int | None


class EventOut(Schema):
    action: str
    action_label: str
    from_status: str
    to_status: str
    at: datetime
    note: str


class CaseOut(Schema):
    id: int
    reference: str
    source: str
    category: str
    title: str
    description: str
    status: str
    status_label: str
    version: int
    person_id: int | None
    region_code: str
    responsible_unit_id: int | None
    responsible_unit_name: str
    registered_at: datetime
    accept_due_on: date | None
    due_on: date | None
    extended_days: int
    reply: str
    concluded_at: datetime | None
    satisfaction: str
    closed_at: datetime | None
    return_reason: str
    reopen_count: int
    review_stage: int
    escalation_level: int
    is_overdue: bool
    events: list[EventOut] = []


class CasePage(Schema):
    items: list[CaseOut]
    count: int


class CaseQuery(Schema):
    status: Literal["", "open", "registered", "accepted", "in_progress", "concluded",
                    "confirmed", "returned"] = ""
    source: Literal["", "visit", "help", "suggestion", "petition", "hotline", "proposal"] = ""
    overdue: bool = False
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class CaseIn(Schema):
    source: SourceLiteral
    category: NeedKindLiteral
    title: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=2000)
    region_code: str = Field("", pattern=r"^(\d{12})?$")
    person_id: int | None = Field(None, ge=1, le=MAX_ID)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class TransitionIn(Schema):
    action: Literal["accept", "start", "assign", "extend", "conclude", "rate", "confirm",
                    "return", "review"]
    version: int = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=300)
    reply: str = Field("", max_length=2000)
    days: int = Field(0, ge=0, le=90)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    satisfaction: Literal["", "satisfied", "basically", "dissatisfied"] = ""


class BoardLineOut(Schema):
    code: str
    name: str
    found: int
    closed: int
    confirmed: int
    open: int
    overdue: int
    returned: int
    avg_days: float | None


class BoardTownshipOut(BoardLineOut):
    villages: list[BoardLineOut]


class BoardOut(Schema):
    year: int | None
    townships: list[BoardTownshipOut]
    total: dict[str, float | int | None]


class BoardQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


# ------------------------------------------------------------------ visits


def _visit_out(v: Visit, *, with_needs: bool = False) -> dict[str, Any]:
    return {
        "id": v.pk, "person_id": v.person_id, "person_name": v.person.name,
        "region_code": v.region_id, "visitor_id": v.visitor_id, "visitor_name": v.visitor.name,
        "visited_on": v.visited_on, "mode": v.mode, "purpose": v.purpose,
        "round_id": v.round_id, "people_met": v.people_met,
        "living_arrangement": v.living_arrangement, "living_note": v.living_note,
        "summary": v.summary, "has_photo": v.has_photo, "recorded_at": v.recorded_at,
        "needs": [_need_out(n) for n in selectors.needs_of(v)] if with_needs else [],
    }


def _need_out(n: Any) -> dict[str, Any]:
    return {"id": n.pk, "kind": n.kind, "kind_label": n.get_kind_display(),
            "description": n.description, "outcome": n.outcome, "case_id": n.case_id}


@router.get("/visits/due", response=DuePage, url_name="visit_due_list")
@api_roles(permissions.READ_ROLES)
def visit_due_list(request: HttpRequest, filters: Query[DueQuery]) -> dict[str, Any]:
    """The actor's due list (a liaison officer: their village), most urgent first."""
    persons, plan = selectors.due_list_for(actor=request.auth, state=filters.state)
    summary = selectors.due_summary_for(actor=request.auth, plan=plan)
    persons.count_from(summary)
    rows = selectors.due_rows(persons[filters.offset:filters.offset + filters.limit], plan)
    return {
        "items": [{"person_id": r["person"].pk, "name": r["person"].name,
                   "region_code": r["person"].region_id, "state": r["state"],
                   "state_label": r["state_label"], "is_overdue": r["is_overdue"],
                   "interval_months": r["interval"], "last_visit_on": r["last_visit"],
                   "due_on": r["due_on"]} for r in rows],
        "count": persons.count(),
        "summary": summary,
    }


@router.get("/visits", response=VisitPage, url_name="visit_list")
@api_roles(permissions.READ_ROLES)
def visit_list(request: HttpRequest, filters: Query[VisitQuery]) -> dict[str, Any]:
    found = selectors.visits_for(actor=request.auth, filters=selectors.VisitFilter(
        purpose=filters.purpose, date_from=filters.date_from, date_to=filters.date_to))
    if filters.person_id:
        found = found.filter(person_id=filters.person_id)
    items = list(found[filters.offset:filters.offset + filters.limit])
    return {"items": [_visit_out(v) for v in items], "count": found.count()}


@router.get("/visits/{visit_id}", response={200: VisitOut, 404: ErrorOut},
            url_name="visit_detail")
@api_roles(permissions.READ_ROLES)
def visit_detail(request: HttpRequest, visit_id: int = Path(..., ge=1, le=MAX_ID)
                 ) -> dict[str, Any]:
    return _visit_out(selectors.visit_get_for(actor=request.auth, visit_id=visit_id),
                      with_needs=True)


@router.post("/visits", response={201: VisitOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="visit_create")
@api_roles(permissions.VISIT_ROLES)
def visit_create(request: HttpRequest, payload: VisitIn) -> Any:
    """Record a visit with its needs (a photo is uploaded through the page)."""
    person = selectors.person_for_visit(actor=request.auth, person_id=payload.person_id)
    try:
        visit = visits.visit_record(
            actor=request.auth, person=person, visited_on=payload.visited_on,
            mode=payload.mode, people_met=payload.people_met,
            living_arrangement=payload.living_arrangement, living_note=payload.living_note,
            summary=payload.summary,
            needs=[visits.NeedIn(n.kind, n.description) for n in payload.needs],
            request=request)
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return 201, _visit_out(selectors.visit_get_for(actor=request.auth, visit_id=visit.pk),
                           with_needs=True)


@router.post("/visits/needs/{need_id}/convert",
             response={200: NeedConvertOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             url_name="visit_need_convert")
@api_roles(permissions.VISIT_ROLES)
def visit_need_convert(request: HttpRequest, body: NeedConvertIn,
                       need_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """One step: the need becomes a case, a service demand, or is marked solved on the spot."""
    need = selectors.need_get_for(actor=request.auth, need_id=need_id)
    try:
        if body.outcome == "case":
            case = visits.need_to_case(actor=request.auth, need=need, request=request)
        else:
            visits.need_decide(actor=request.auth, need=need, outcome=body.outcome,
                               request=request)
            case = None
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    need.refresh_from_db()
    return {"need": _need_out(need), "case_id": case.pk if case else None}


# ------------------------------------------------------------------ cases


def _case_out(c: Case, *, with_events: bool = False) -> dict[str, Any]:
    return {
        "id": c.pk, "reference": c.reference, "source": c.source, "category": c.category,
        "title": c.title, "description": c.description, "status": c.status,
        "status_label": c.get_status_display(), "version": c.version,
        "person_id": c.person_id, "region_code": c.region_id,
        "responsible_unit_id": c.responsible_unit_id,
        "responsible_unit_name": c.responsible_unit.name if c.responsible_unit else "",
        "registered_at": c.registered_at, "accept_due_on": c.accept_due_on, "due_on": c.due_on,
        "extended_days": c.extended_days, "reply": c.reply, "concluded_at": c.concluded_at,
        "satisfaction": c.satisfaction, "closed_at": c.closed_at,
        "return_reason": c.return_reason, "reopen_count": c.reopen_count,
        "review_stage": c.review_stage, "escalation_level": c.escalation_level,
        "is_overdue": selectors.is_overdue(c),
        "events": [{"action": e.action, "action_label": e.get_action_display(),
                    "from_status": e.from_status, "to_status": e.to_status, "at": e.at,
                    "note": e.note} for e in selectors.case_events(c)] if with_events else [],
    }


CASE_READERS = permissions.READ_ROLES | {Role.RESIDENT}


@router.get("/cases", response=CasePage, url_name="case_list")
@api_roles(CASE_READERS)
def case_list(request: HttpRequest, filters: Query[CaseQuery]) -> dict[str, Any]:
    found = selectors.cases_for(actor=request.auth, filters=selectors.CaseFilter(
        status=filters.status, source=filters.source, overdue=filters.overdue))
    items = list(found[filters.offset:filters.offset + filters.limit])
    return {"items": [_case_out(c) for c in items], "count": found.count()}


@router.get("/cases/board", response=BoardOut, url_name="case_board")
@api_roles(permissions.READ_ROLES)
def case_board(request: HttpRequest, filters: Query[BoardQuery]) -> dict[str, Any]:
    """The 问题清单: found vs closed by township and village, overdue, average days."""
    board = selectors.board_for(actor=request.auth, year=filters.year)
    keys = ("found", "closed", "confirmed", "open", "overdue", "returned")
    return {
        "year": board["year"],
        "townships": [{**{k: t[k] for k in ("code", "name", *keys, "avg_days")},
                       "villages": [{k: v[k] for k in ("code", "name", *keys, "avg_days")}
                                    for v in t["villages"]]} for t in board["townships"]],
        "total": {k: board["total"][k] for k in (*keys, "avg_days")},
    }


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut}, url_name="case_detail")
@api_roles(CASE_READERS)
def case_detail(request: HttpRequest, case_id: int = Path(..., ge=1, le=MAX_ID)
                ) -> dict[str, Any]:
    return _case_out(selectors.case_get_for(actor=request.auth, case_id=case_id),
                     with_events=True)


@router.post("/cases", response={201: CaseOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             url_name="case_create")
@api_roles(permissions.REGISTER_ROLES | {Role.RESIDENT})
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    """登记. A resident may submit 求助 or 建议 only, for themself or their household."""
    person = None
    if payload.person_id:
        person = Person.objects.visible_to(request.auth).filter(pk=payload.person_id).first()
        if person is None:
            raise HttpError(404, "没有找到该人员。")
    try:
        case = services.case_register(
            actor=request.auth, source=payload.source, category=payload.category,
            title=payload.title, description=payload.description,
            region_code=payload.region_code, person=person, contact_name=payload.contact_name,
            contact_phone=payload.contact_phone, request=request)
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return 201, _case_out(selectors.case_get_for(actor=request.auth, case_id=case.pk),
                          with_events=True)


def _transition(request: HttpRequest, case: Case, body: TransitionIn) -> None:
    common = {"actor": request.auth, "case": case, "expected_version": body.version,
              "request": request}
    if body.action == "rate":
        services.case_rate(**common, satisfaction=body.satisfaction, note=body.note)
    elif body.action == "review":
        services.case_review_request(**common, note=body.note)
    elif request.auth.role not in permissions.HANDLER_ROLES:
        raise DomainError("forbidden", "您的角色不能进行该操作。")
    elif body.action == "accept":
        services.case_accept(**common, note=body.note)
    elif body.action == "start":
        services.case_start(**common, note=body.note)
    elif body.action == "assign":
        unit = selectors.units_for(actor=request.auth).filter(pk=body.unit_id or 0).first()
        if unit is None:
            raise DomainError("unit", "请选择本县的承办单位。", field="unit")
        services.case_assign(**common, unit=unit, note=body.note)
    elif body.action == "extend":
        services.case_extend(**common, days=body.days, reason=body.reason)
    elif body.action == "conclude":
        services.case_conclude(**common, reply=body.reply)
    elif body.action == "confirm":
        services.case_confirm(**common, note=body.note)
    else:
        services.case_return(**common, reason=body.reason)


@router.post("/cases/{case_id}/transitions",
             response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             url_name="case_transition")
@api_roles(permissions.HANDLER_ROLES | {Role.VILLAGE_LIAISON, Role.RESIDENT})
def case_transition(request: HttpRequest, body: TransitionIn,
                    case_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """One step of the lifecycle; out of order or a stale `version` is a 409 and changes
    nothing; a step the role may not take is a 403."""
    case = selectors.case_get_for(actor=request.auth, case_id=case_id)
    try:
        _transition(request, case, body)
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return _case_out(selectors.case_get_for(actor=request.auth, case_id=case.pk),
                     with_events=True)

