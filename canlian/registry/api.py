"""Registry JSON API: the same selectors, services, scoping, masking and audit as the pages.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import ConfigDict

from canlian.core.api_auth import MAX_ID, api_roles
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_certificate_number, mask_id_number, mask_phone
from canlian.core.schemas import ErrorOut
from canlian.registry import selectors, services
from canlian.registry.forms import COLUMNS, person_payload
from canlian.registry.models import Person
from canlian.registry.permissions import READ_ROLES, WRITE_ROLES
from canlian.registry.rows import parse_rows
from canlian.registry.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_STATUSES

router = Router(tags=["残疾人基础库"])
ETHNICITY_HELP = "民族名称，如“汉族”“苗族”；空文本表示未登记。"
EDUCATION_HELP = "文化程度：" + "、".join(EDUCATION_LEVELS) + "；空文本表示未登记。"
EMPLOYMENT_HELP = "就业状况：" + "、".join(EMPLOYMENT_STATUSES) + "；空文本表示未登记。"


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: date
    id_number_masked: str
    phone_masked: str
    region_code: str
    address: str
    category: int | None
    grade: int | None
    components: list[int]
    certificate_number_masked: str
    certificate_status: str
    certificate_issued_on: date | None
    certificate_valid_until: date | None
    needs_long_term_care: bool
    living_status: str
    household_id: int | None
    relation_to_head: str
    ethnicity: str
    education: str
    employment_status: str


class PersonPage(Schema):
    items: list[PersonOut]
    count: int


class PersonIn(Schema):
    """Field names as in the import template's meaning; identifiers in full (HTTPS only)."""

    name: str
    id_number: str
    region_code: str
    address: str = ""
    phone: str = ""
    category: int | None = None
    grade: int | None = None
    components: list[int] = []
    certificate_number: str = ""
    certificate_issued_on: date | None = None
    certificate_valid_until: date | None = None
    needs_long_term_care: bool | None = None
    living_status: str = "alive"
    died_on: date | None = None
    head_id_number: str = ""
    relation_to_head: str = ""
    guardian_name: str = ""
    guardian_id_number: str = ""
    guardian_phone: str = ""
    is_dibao: bool | None = None
    is_tekun: bool | None = None
    ethnicity: str = Field("", description=ETHNICITY_HELP)
    education: str = Field("", description=EDUCATION_HELP)
    employment_status: str = Field("", description=EMPLOYMENT_HELP)


class PersonPatch(Schema):
    name: str | None = None
    region_code: str | None = None
    address: str | None = None
    phone: str | None = None
    category: int | None = None
    grade: int | None = None
    components: list[int] | None = None
    certificate_number: str | None = None
    certificate_issued_on: date | None = None
    certificate_valid_until: date | None = None
    needs_long_term_care: bool | None = None
    living_status: str | None = None
    died_on: date | None = None
    head_id_number: str | None = None
    relation_to_head: str | None = None
    guardian_name: str | None = None
    guardian_id_number: str | None = None
    guardian_phone: str | None = None
    is_dibao: bool | None = None
    is_tekun: bool | None = None
    ethnicity: str | None = Field(None, description=ETHNICITY_HELP)
    education: str | None = Field(None, description=EDUCATION_HELP)
    employment_status: str | None = Field(None, description=EMPLOYMENT_HELP)


class RowErrorOut(Schema):
    field: str
    message: str


class ValidationOut(Schema):
    detail: str
    errors: list[RowErrorOut]


class HouseholdMemberOut(Schema):
    id: int
    name: str
    relation_to_head: str
    category: int | None
    grade: int | None
    living_status: str


class HouseholdOut(Schema):
    id: int
    region_code: str
    head_id: int | None
    members: list[HouseholdMemberOut]
    statuses: list[dict[str, Any]]
    hardships: list[str]


class PersonFilterQuery(Schema):
    q: str = Field("", max_length=40)
    region: str = Field("", pattern=r"^(\d{2,12})?$")
    category: int | None = Field(None, ge=1, le=7)
    grade: int | None = Field(None, ge=1, le=4)
    certificate_status: Literal["", "none", "valid", "expired", "cancelled"] = ""
    expiring: bool = False
    hardship: Literal["", "multi_disabled", "elderly_disabled", "orphan_disabled", "severe",
                      "multiple"] = ""
    household_status: Literal["", "dibao", "tekun", "orphan", "work_injury_care"] = ""
    age_min: int | None = Field(None, ge=0, le=130)
    age_max: int | None = Field(None, ge=0, le=130)
    living_status: Literal["", "alive", "deceased", "moved_out"] = ""
    members: bool = Field(False, description="包含户内成员（本人无残疾的家庭成员）；默认只列残疾人")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class PersonSearchIn(PersonFilterQuery):
    """The filters of GET /persons in a request body, with the search text required. JSON
    carries types, so they are held to them (no `false` for an offset)."""

    model_config = ConfigDict(strict=True)

    q: str = Field(..., min_length=1, max_length=40,
                   description="身份证号、残疾人证号，或 GET /persons 接受的其他查找文字")


def _out(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "sex": p.sex, "birth_date": p.birth_date,
        "id_number_masked": mask_id_number(p.id_number), "phone_masked": mask_phone(p.phone),
        "region_code": p.region_id, "address": p.address, "category": p.category,
        "grade": p.grade, "components": list(p.components),
        "certificate_number_masked": mask_certificate_number(p.certificate_number),
        "certificate_status": p.certificate_status,
        "certificate_issued_on": p.certificate_issued_on,
        "certificate_valid_until": p.certificate_valid_until,
        "needs_long_term_care": p.needs_long_term_care, "living_status": p.living_status,
        "household_id": p.household_id, "relation_to_head": p.relation_to_head,
        "ethnicity": p.ethnicity, "education": p.education,
        "employment_status": p.employment_status,
    }


YES_NO = {True: "是", False: "否", None: ""}
LIVING = {"alive": "正常", "deceased": "死亡", "moved_out": "迁出"}
# API field → import column (the parser's names), for mapping errors back to fields.
FIELD_COLUMNS = {**{k: v for k, v in COLUMNS.items() if k != "region"},
                 "region_code": "户籍地区划代码", "certificate_issued_on": "发证日期"}
COLUMN_FIELDS = {column: field for field, column in FIELD_COLUMNS.items()}


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    """API fields given → import columns, in the text form the row parser reads."""
    columns = {}
    for field, value in data.items():
        if field == "components":
            value = "、".join(str(c) for c in value or [])
        elif field in ("needs_long_term_care", "is_dibao", "is_tekun"):
            value = YES_NO[value]
        elif field == "living_status":
            value = LIVING.get(value or "alive", value)
        columns[FIELD_COLUMNS[field]] = "" if value is None else value
    return columns


def _save(request: HttpRequest, columns: dict[str, Any], person: Person | None) -> Person:
    parsed = parse_rows(list(columns), [list(columns.values())])
    errors = [{"field": COLUMN_FIELDS.get(e.column, ""), "message": e.message}
              for e in parsed.errors] + [{"field": "", "message": m} for m in parsed.file_errors]
    if errors:
        raise _Invalid(errors)
    try:
        return services.person_save(actor=request.auth, row=parsed.rows[0],  # type: ignore[arg-type]
                                    person=person, request=request)
    except DomainError as error:
        field = COLUMN_FIELDS.get(error.field or "", error.field or "")
        raise _Invalid([{"field": field, "message": error.message}]) from error


class _Invalid(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("invalid")
        self.errors = errors


ID_IN_URL = ("证件号码、电话号码不能放在网址中（访问日志会记录网址）：按身份证号或残疾人证号查找，"
             "请用 POST /api/v1/persons/search，把条件放在请求正文中。")


def _page(request: HttpRequest, filters: PersonFilterQuery) -> dict[str, Any]:
    data = filters.dict()
    limit, offset = data.pop("limit"), data.pop("offset")
    values = {k: v for k, v in data.items() if v not in (None, "", False)}
    qs = selectors.persons_for(actor=request.auth,  # type: ignore[arg-type]
                               filters=selectors.PersonFilter(**values))
    return {"items": [_out(p) for p in qs[offset:offset + limit]], "count": qs.count()}


@router.get("/persons", response={200: PersonPage, 422: ErrorOut},
            summary="残疾人名单（筛选、按姓名查找）",
            description="q 为姓名、拼音首字母、身份证号后四位或出生日期；"
                        "按身份证号、残疾人证号查找请用 POST /persons/search（号码不进网址）。")
@api_roles(READ_ROLES)
def persons(request: HttpRequest, filters: Query[PersonFilterQuery]) -> Any:
    if selectors.is_identifier_query(filters.q):
        return 422, {"detail": ID_IN_URL}
    return 200, _page(request, filters)


@router.post("/persons/search", response=PersonPage, summary="残疾人名单（按证件号码等查找）",
             description="条件与 GET /persons 相同，放在请求正文中：身份证号、残疾人证号在此查找。")
@api_roles(READ_ROLES)
def person_search(request: HttpRequest, filters: PersonSearchIn) -> dict[str, Any]:
    return _page(request, filters)


@router.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut}, summary="残疾人详情")
@api_roles(READ_ROLES)
def person_detail(request: HttpRequest,
                  person_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    return _out(selectors.person_get_for(actor=request.auth,  # type: ignore[arg-type]
                                         person_id=person_id))


@router.post("/persons", response={201: PersonOut, 422: ValidationOut}, summary="新增残疾人")
@api_roles(WRITE_ROLES)
def person_create(request: HttpRequest, payload: PersonIn) -> Any:
    try:
        return 201, _out(_save(request, _columns(payload.dict()), None))
    except _Invalid as invalid:
        return 422, {"detail": "数据有误", "errors": invalid.errors}


@router.patch("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut,
                                                422: ValidationOut}, summary="修改残疾人信息")
@api_roles(WRITE_ROLES)
def person_update(request: HttpRequest, payload: PersonPatch,
                  person_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    person = selectors.person_get_for(actor=request.auth,  # type: ignore[arg-type]
                                      person_id=person_id)
    # The record as the form shows it, with the fields the client sent laid over it.
    columns = person_payload(person) | _columns(payload.dict(exclude_unset=True))
    try:
        return 200, _out(_save(request, columns, person))
    except _Invalid as invalid:
        return 422, {"detail": "数据有误", "errors": invalid.errors}


@router.get("/households/{household_id}", response={200: HouseholdOut, 404: ErrorOut},
            summary="家庭户详情")
@api_roles(READ_ROLES)
def household_detail(request: HttpRequest,
                     household_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    actor = request.auth
    household, members = selectors.household_get_for(actor=actor,  # type: ignore[arg-type]
                                                     household_id=household_id)
    # The head's id only when the actor may see the head (a household can span jurisdictions).
    head_id = household.head_id if any(m.pk == household.head_id for m in members) else None
    return {
        "id": household.pk, "region_code": household.region_id, "head_id": head_id,
        "members": [
            {"id": m.pk, "name": m.name, "relation_to_head": m.relation_to_head,
             "category": m.category, "grade": m.grade, "living_status": m.living_status}
            for m in members
        ],
        "statuses": [
            {"kind": s.kind, "start_month": s.start_month, "end_month": s.end_month}
            for s in selectors.household_statuses(members[0])
        ],
        "hardships": selectors.hardships_of(members[0]),
    }
