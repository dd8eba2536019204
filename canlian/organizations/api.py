"""Organisation-system JSON API: the same selectors, services, scoping and masking as the pages.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from canlian.core.api_auth import MAX_ID, api_roles
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_phone
from canlian.core.schemas import ErrorOut, QueryDate
from canlian.organizations import selectors, services
from canlian.organizations.models import Member, Post, PostHolding, UnitKind
from canlian.organizations.permissions import COUNTY_READ_ROLES, READ_ROLES, WRITE_ROLES

router = Router(tags=["组织体系"])

KINDS = Literal["", *UnitKind.values]  # type: ignore[valid-type]
POSTS = Literal[*Post.values]  # type: ignore[valid-type]


class UnitOut(Schema):
    id: int
    kind: str
    kind_label: str
    special_kind: str
    name: str
    region_code: str
    parent_id: int | None
    is_active: bool


class UnitPage(Schema):
    items: list[UnitOut]
    count: int


class HolderOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    post: str
    post_label: str
    member_id: int
    member_name: str
    phone_masked: str
    started_on: date
    ended_on: date | None


class HolderPage(Schema):
    items: list[HolderOut]
    count: int


class UnitDetailOut(UnitOut):
    holders: list[HolderOut]


class HolderIn(Schema):
    unit_id: int = Field(..., ge=1, le=MAX_ID)
    member_id: int = Field(..., ge=1, le=MAX_ID)
    post: POSTS
    started_on: date
    ended_on: date | None = None
    note: str = Field("", max_length=200)


class FieldErrorOut(Schema):
    field: str
    message: str


class ValidationOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


class VillageCoverageOut(Schema):
    code: str
    name: str
    has_association: bool
    has_chair: bool
    has_liaison_officer: bool
    missing: list[str]


class TownshipCoverageOut(Schema):
    code: str
    name: str
    has_federation: bool
    has_executive_chair: bool
    has_liaison_officer: bool
    missing: list[str]
    required: int
    fulfilled: int
    percent: Decimal | None
    villages: list[VillageCoverageOut]


class CoverageOut(Schema):
    on: date
    required: int
    fulfilled: int
    percent: Decimal | None
    townships: list[TownshipCoverageOut]


class RuleOut(Schema):
    key: str
    label: str
    count: int
    total: int
    share: Decimal | None
    threshold: Decimal | None
    passed: bool | None
    source: str


class CompositionOut(Schema):
    on: date
    county_code: str
    rules: list[RuleOut]
    references: list[RuleOut]


class UnitQuery(Schema):
    q: str = Field("", max_length=50)
    kind: KINDS = ""
    region: str = Field("", pattern=r"^(\d{2,12})?$")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class HolderQuery(Schema):
    on: QueryDate | None = None
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    post: Literal["", *Post.values] = ""  # type: ignore[valid-type]
    kind: KINDS = ""
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class DayQuery(Schema):
    on: QueryDate | None = None


def _unit_out(u: Any) -> dict[str, Any]:
    return {"id": u.pk, "kind": u.kind, "kind_label": u.get_kind_display(),
            "special_kind": u.special_kind, "name": u.name, "region_code": u.region_id,
            "parent_id": u.parent_id, "is_active": u.is_active}


def _holder_out(h: PostHolding) -> dict[str, Any]:
    return {"id": h.pk, "unit_id": h.unit_id, "unit_name": h.unit.name, "post": h.post,
            "post_label": h.get_post_display(), "member_id": h.member_id,
            "member_name": h.member.name, "phone_masked": mask_phone(h.member.phone),
            "started_on": h.started_on, "ended_on": h.ended_on}


def _rule_out(r: selectors.RuleResult) -> dict[str, Any]:
    return {"key": r.key, "label": r.label, "count": r.count, "total": r.total,
            "share": r.share, "threshold": r.threshold, "passed": r.passed,
            "source": r.source}


@router.get("/organizations/units", response=UnitPage, summary="组织名单")
@api_roles(READ_ROLES)
def org_units(request: HttpRequest, filters: Query[UnitQuery]) -> dict[str, Any]:
    data = filters.dict()
    limit, offset = data.pop("limit"), data.pop("offset")
    units = selectors.units_for(actor=request.auth,  # type: ignore[arg-type]
                                filters=selectors.UnitFilter(**data))
    return {"items": [_unit_out(u) for u in units[offset:offset + limit]],
            "count": units.count()}


@router.get("/organizations/units/{unit_id}", response={200: UnitDetailOut, 404: ErrorOut},
            summary="组织详情（含现任人员）")
@api_roles(READ_ROLES)
def org_unit_detail(request: HttpRequest,
                    unit_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    unit = selectors.unit_get_for(actor=request.auth, unit_id=unit_id)  # type: ignore[arg-type]
    current, _ = selectors.unit_holdings(unit)
    return {**_unit_out(unit), "holders": [_holder_out(h) for h in current]}


@router.get("/organizations/holders", response=HolderPage, summary="任职名单")
@api_roles(READ_ROLES)
def org_holders(request: HttpRequest, filters: Query[HolderQuery]) -> dict[str, Any]:
    data = filters.dict()
    holdings = selectors.holdings_for(actor=request.auth,  # type: ignore[arg-type]
                                      on=data["on"], unit_id=data["unit_id"],
                                      post=data["post"], kind=data["kind"])
    offset, limit = data["offset"], data["limit"]
    return {"items": [_holder_out(h) for h in holdings[offset:offset + limit]],
            "count": holdings.count()}


@router.post("/organizations/holders",
             response={201: HolderOut, 404: ErrorOut, 422: ValidationOut},
             summary="登记任职")
@api_roles(WRITE_ROLES)
def org_holder_create(request: HttpRequest, payload: HolderIn) -> Any:
    actor = request.auth
    unit = selectors.unit_get_for(actor=actor, unit_id=payload.unit_id)  # type: ignore[arg-type]
    member = Member.objects.visible_to(actor).filter(  # type: ignore[arg-type]
        pk=payload.member_id).first()
    try:
        if member is None:
            raise DomainError("member", "没有找到该人员。", field="member")
        holding = services.holding_create(
            actor=actor, unit=unit, member=member, post=payload.post,  # type: ignore[arg-type]
            started_on=payload.started_on, ended_on=payload.ended_on, note=payload.note,
            request=request)
    except DomainError as error:
        field = {"member": "member_id", "unit": "unit_id"}.get(error.field or "",
                                                               error.field or "")
        return 422, {"detail": "数据有误", "errors": [{"field": field, "message": error.message}]}
    return 201, _holder_out(holding)


@router.get("/organizations/coverage", response=CoverageOut, summary="组织覆盖情况")
@api_roles(READ_ROLES)
def org_coverage(request: HttpRequest, query: Query[DayQuery]) -> dict[str, Any]:
    coverage = selectors.coverage_for(actor=request.auth, on=query.on)  # type: ignore[arg-type]
    return {
        "on": coverage.on, "required": coverage.required, "fulfilled": coverage.fulfilled,
        "percent": coverage.percent,
        "townships": [{
            "code": t.code, "name": t.name, "has_federation": t.has_unit,
            "has_executive_chair": t.has_chair, "has_liaison_officer": t.has_liaison,
            "missing": t.missing, "required": t.required, "fulfilled": t.fulfilled,
            "percent": t.percent,
            "villages": [{"code": v.code, "name": v.name, "has_association": v.has_unit,
                          "has_chair": v.has_chair, "has_liaison_officer": v.has_liaison,
                          "missing": v.missing} for v in t.villages],
        } for t in coverage.townships],
    }


@router.get("/organizations/composition", response=CompositionOut, summary="组成比例检查")
@api_roles(COUNTY_READ_ROLES)
def org_composition(request: HttpRequest, query: Query[DayQuery]) -> dict[str, Any]:
    result = selectors.composition_for(actor=request.auth, on=query.on)  # type: ignore[arg-type]
    return {"on": result.on, "county_code": result.county.code,
            "rules": [_rule_out(r) for r in result.rules],
            "references": [_rule_out(r) for r in result.references]}
