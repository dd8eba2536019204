"""Certificate JSON API: list, detail, create and step transitions, with the same selectors,
services and permissions as the pages.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from canlian.certificates import selectors, services, workflow
from canlian.certificates.models import Application
from canlian.certificates.permissions import READ_ROLES, STAFF_SUBMIT_ROLES
from canlian.core.api_auth import MAX_ID, api_roles, refusal
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_certificate_number, mask_id_number
from canlian.core.roles import Role
from canlian.core.schemas import ErrorOut

router = Router(tags=["证件办理"])
REFUSALS = {"conflict": 409, "out_of_order": 409, "forbidden": 403, "jurisdiction": 404,
            "separation_of_duties": 403, "not_linked": 403}


class StepOut(Schema):
    label: str
    state: str
    at: datetime | None = None
    due_on: date | None = None
    note: str = ""


class ApplicationOut(Schema):
    id: int
    reference: str
    type: str
    channel: str
    status: str
    status_label: str
    step: str
    step_due_on: date | None
    version: int
    name: str
    id_number_masked: str
    region_code: str
    submitted_at: datetime
    trips: int
    certificate_number_masked: str
    materials_missing: list[str]
    steps: list[StepOut] = []


class ApplicationPage(Schema):
    items: list[ApplicationOut]
    count: int


class ApplicationIn(Schema):
    type: Literal["new", "renewal", "replacement", "reassessment", "transfer_in",
                  "transfer_out", "cancellation"]
    channel: Literal["window", "township", "home", "cross_province", "online"]
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=30)
    region_code: str = Field(..., pattern=r"^\d{12}$")
    phone: str = Field("", max_length=20)
    applicant_relation: str = Field("本人", max_length=20)
    declared_category: int | None = Field(None, ge=1, le=7)
    renewal_reason: Literal["", "expiry", "damage"] = ""
    cancel_reason: Literal["", "deceased", "moved_out", "own_request"] = ""
    destination: str = Field("", max_length=100)
    previous_certificate_number: str = Field("", max_length=30)
    previous_valid_until: date | None = None
    cross_direction: Literal["", "incoming", "outgoing"] = ""
    other_place: str = Field("", max_length=100)
    note: str = Field("", max_length=500)


class ComponentIn(Schema):
    category: int = Field(..., ge=1, le=6)
    grade: int = Field(..., ge=1, le=4)


class TransitionIn(Schema):
    action: Literal["accept", "assign", "assess", "publicity", "objection", "review", "reject",
                    "produce", "issue", "close", "forward"]
    version: int = Field(..., ge=1, le=MAX_ID)
    received: list[str] = []
    in_person: bool | None = None
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=300)
    assessor_id: int | None = Field(None, ge=1, le=MAX_ID)
    institution: str = Field("", max_length=100)
    place: Literal["", "hospital", "township", "home"] = ""
    scheduled_on: date | None = None
    assessment_id: int | None = Field(None, ge=1, le=MAX_ID)
    result: Literal["", "qualified", "not_qualified"] = ""
    category: int | None = Field(None, ge=1, le=7)
    grade: int | None = Field(None, ge=1, le=4)
    components: list[ComponentIn] = []


class ApplicationQuery(Schema):
    status: Literal["", "open", "submitted", "needs_materials", "in_progress", "issued",
                    "closed", "forwarded", "rejected"] = ""
    type: Literal["", "new", "renewal", "replacement", "reassessment", "transfer_in",
                  "transfer_out", "cancellation"] = ""
    channel: Literal["", "window", "township", "home", "cross_province", "online"] = ""
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


def _out(a: Application, *, with_steps: bool = False) -> dict[str, Any]:
    return {
        "id": a.pk, "reference": a.reference, "type": a.type, "channel": a.channel,
        "status": a.status, "status_label": a.get_status_display(), "step": a.step,
        "step_due_on": a.step_due_on, "version": a.version, "name": a.name,
        "id_number_masked": mask_id_number(a.id_number), "region_code": a.region_id,
        "submitted_at": a.submitted_at, "trips": a.trips,
        "certificate_number_masked": mask_certificate_number(a.certificate_number),
        "materials_missing": list(a.materials_missing),
        "steps": selectors.application_timeline(a) if with_steps else [],
    }


@router.get("/certificates/applications", response=ApplicationPage,
            url_name="application_list")
@api_roles(READ_ROLES | {Role.RESIDENT})
def application_list(request: HttpRequest, filters: Query[ApplicationQuery]) -> dict[str, Any]:
    apps = selectors.applications_for(actor=request.auth, filters=selectors.ApplicationFilter(
        status=filters.status, type=filters.type, channel=filters.channel))
    items = list(apps[filters.offset:filters.offset + filters.limit])
    return {"items": [_out(a) for a in items], "count": apps.count()}


@router.get("/certificates/applications/{application_id}",
            response={200: ApplicationOut, 404: ErrorOut}, url_name="application_detail")
@api_roles(READ_ROLES | {Role.RESIDENT, Role.ASSESSOR})
def application_detail(request: HttpRequest,
                       application_id: int = Path(..., ge=1, le=MAX_ID)
                       ) -> dict[str, Any]:
    application = selectors.application_get_for(actor=request.auth,
                                                application_id=application_id)
    return _out(application, with_steps=True)


@router.post("/certificates/applications",
             response={201: ApplicationOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             url_name="application_create")
@api_roles(STAFF_SUBMIT_ROLES | {Role.RESIDENT})
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    try:
        application = services.application_submit(
            actor=request.auth, request=request, **payload.dict())
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    return 201, _out(application, with_steps=True)


def _transition(request: HttpRequest, application: Application, body: TransitionIn) -> None:
    actor = request.auth
    common = {"actor": actor, "application": application, "expected_version": body.version,
              "request": request}
    if body.action == "assess":
        assessment = selectors.assessment_get_for(actor=actor,
                                                  assessment_id=body.assessment_id or 0)
        if assessment.application_id != application.pk:
            raise DomainError("forbidden", "该评定任务不属于此申请。")
        services.assessment_record(
            actor=actor, assessment=assessment, result=body.result, category=body.category,
            grade=body.grade, components=[c.dict() for c in body.components], note=body.note,
            expected_version=body.version, request=request)
        return
    if actor.role not in workflow.PROCESSING_ROLES:
        raise DomainError("forbidden", "您的角色不能进行该操作。")
    if body.action == "accept":
        services.application_accept(**common, received=body.received,
                                    in_person=bool(body.in_person), note=body.note)
    elif body.action == "assign":
        assessor = selectors.assessors_for(application).filter(pk=body.assessor_id).first()
        if assessor is None:
            raise DomainError("assessor", "请选择负责该地区的评残医生。")
        services.assessment_assign(**common, assessor=assessor, institution=body.institution,
                                   place=body.place, scheduled_on=body.scheduled_on)
    elif body.action == "publicity":
        services.publicity_complete(**common)
    elif body.action == "objection":
        services.objection_record(**common, note=body.note or body.reason)
    elif body.action == "review":
        services.review_approve(**common, note=body.note)
    elif body.action == "reject":
        services.application_reject(**common, reason=body.reason)
    elif body.action == "produce":
        services.certificate_produce(**common)
    elif body.action == "issue":
        services.certificate_issue(**common, in_person=body.in_person)
    elif body.action == "close":
        services.application_close(**common)
    else:
        services.application_forward(**common, note=body.note)


@router.post("/certificates/applications/{application_id}/transitions",
             response={200: ApplicationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                       422: ErrorOut},
             url_name="application_transition")
@api_roles(workflow.PROCESSING_ROLES | {Role.ASSESSOR})
def application_transition(request: HttpRequest, body: TransitionIn,
                           application_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """One step of the workflow; a stale `version` is a 409 conflict and changes nothing."""
    application = selectors.application_get_for(actor=request.auth,
                                                application_id=application_id)
    try:
        _transition(request, application, body)
    except DomainError as error:
        raise refusal(error, REFUSALS) from None
    application.refresh_from_db()
    return _out(application, with_steps=True)

