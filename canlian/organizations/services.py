"""Writes of the organisation system. Each takes the acting user, runs in a transaction, writes
its audit row in that transaction and refuses a broken rule with a DomainError whose Chinese
message names the rule (and, through `field`, the form field at fault)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import IdNumberError, parse_id_number
from canlian.core.models import AuditAction, Region, RegionLevel, User
from canlian.core.permissions import in_jurisdiction
from canlian.organizations.models import (
    COUNTY_BODIES,
    KIND_LEVEL,
    ONE_PER_REGION,
    SINGLE_HOLDER_POSTS,
    GrassrootsVisit,
    Member,
    OrgUnit,
    Post,
    PostHolding,
    SpecialKind,
    Threshold,
    ThresholdKey,
    TrainingAttendance,
    TrainingSession,
    UnitKind,
)
from canlian.organizations.permissions import (
    COUNTY_WRITE_ROLES,
    can_edit_thresholds,
    can_reveal,
    can_write_in,
)

LEVEL_LABELS = dict(RegionLevel.choices)
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0[0-9]{2,3}-?)?[2-9][0-9]{6,7}")
MEMBER_FIELDS = ("name", "sex", "phone", "region_id", "person_id", "user_id", "is_disabled",
                 "is_relative", "is_role_model", "is_grassroots", "is_rural", "is_volunteer",
                 "note")
UNIT_FIELDS = ("kind", "special_kind", "name", "region_id", "parent_id", "established_on",
               "address", "is_active", "note")


def _require_write(actor: User, region_code: str, *, field: str | None = None) -> None:
    if not can_write_in(actor, region_code):
        raise DomainError("forbidden", "该区划不在您的管辖范围内，或您的角色无权修改。",
                          field=field)


def _region(code: str, *, field: str) -> Region:
    region = Region.objects.filter(code=code, is_active=True).first()
    if region is None:
        raise DomainError("region", "没有这个区划代码。", field=field)
    return region


# ---------------------------------------------------------------- units

@dataclass(frozen=True)
class UnitData:
    kind: str
    name: str
    region_code: str
    special_kind: str = ""
    parent_id: int | None = None
    established_on: date | None = None
    address: str = ""
    is_active: bool = True
    note: str = ""


def _check_unit(actor: User, data: UnitData, unit: OrgUnit | None) -> dict[str, Any]:
    region = _region(data.region_code, field="region")
    _require_write(actor, region.code, field="region")
    county_level = data.kind in (*COUNTY_BODIES, UnitKind.COUNTY_FEDERATION)
    if county_level and actor.role not in COUNTY_WRITE_ROLES:
        raise DomainError("county_body", "县残联及其机构、专门协会由县残联工作人员维护。",
                          field="kind")
    level = KIND_LEVEL[data.kind]
    if level is not None and region.level != level:
        raise DomainError(
            "level", f"{UnitKind(data.kind).label}应建在{LEVEL_LABELS[level]}一级的区划。",
            field="region")
    if (data.kind == UnitKind.SPECIAL_ASSOCIATION) != bool(data.special_kind):
        raise DomainError("special_kind", "专门协会须选择类别（盲人、聋人、肢残人、智力、精神），"
                          "其他组织不选。", field="special_kind")
    parent = None
    if data.parent_id is not None:
        parent = OrgUnit.objects.visible_to(actor).filter(pk=data.parent_id).first()
        if parent is None:
            raise DomainError("parent", "没有找到上级组织。", field="parent")
        if unit is not None and parent.pk == unit.pk:
            raise DomainError("parent", "上级组织不能是本组织。", field="parent")
        if not region.code.startswith(parent.region.prefix):
            raise DomainError("parent", "上级组织所在区划应包含本组织的区划。", field="parent")
    if data.is_active and data.kind in ONE_PER_REGION:
        clash = OrgUnit.objects.filter(kind=data.kind, region=region, is_active=True)
        if unit is not None:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            raise DomainError("duplicate", f"{region.name}已有{UnitKind(data.kind).label}，"
                              "每个区划只设一个。", field="kind")
    if data.is_active and data.kind == UnitKind.SPECIAL_ASSOCIATION:
        clash = OrgUnit.objects.filter(kind=data.kind, special_kind=data.special_kind,
                                       region=region, is_active=True)
        if unit is not None:
            clash = clash.exclude(pk=unit.pk)
        if clash.exists():
            label = SpecialKind(data.special_kind).label
            raise DomainError("duplicate", f"{region.name}已有{label}。", field="special_kind")
    return {"kind": data.kind, "special_kind": data.special_kind, "name": data.name.strip(),
            "region_id": region.code, "parent_id": parent.pk if parent else None,
            "established_on": data.established_on, "address": data.address.strip(),
            "is_active": data.is_active, "note": data.note.strip()}


@transaction.atomic
def unit_create(*, actor: User, data: UnitData, request: HttpRequest | None = None) -> OrgUnit:
    unit = OrgUnit.objects.create(**_check_unit(actor, data, None))
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=unit, summary="新建组织",
                       changes=audit.created(unit, UNIT_FIELDS), request=request)
    return unit


@transaction.atomic
def unit_update(*, actor: User, unit: OrgUnit, data: UnitData,
                request: HttpRequest | None = None) -> OrgUnit:
    _require_write(actor, unit.region_id)
    values = _check_unit(actor, data, unit)
    before = audit.snapshot(unit, values)
    for name, value in values.items():
        setattr(unit, name, value)
    unit.save()
    changes = audit.diff(before, values)
    if changes:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=unit,
                           summary="修改组织信息", changes=changes, request=request)
    return unit


# ---------------------------------------------------------------- members

@dataclass(frozen=True)
class MemberData:
    name: str
    region_code: str
    sex: str = ""
    phone: str = ""
    id_number: str = ""  # only to find the registry record; never stored here
    user_id: int | None = None
    is_disabled: bool = False
    is_relative: bool = False
    is_role_model: bool = False
    is_grassroots: bool = False
    is_rural: bool = False
    is_volunteer: bool = False
    note: str = ""


def normalize_phone(raw: str) -> str:
    """A mobile or landline number, digits (and one dash) only; raises DomainError."""
    phone = re.sub(r"[\s()（）]", "", raw or "")
    if phone and not (_MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone)):
        raise DomainError("phone", "联系电话应为 11 位手机号，或固定电话（如 0851-12345678）。",
                          field="phone")
    return phone


def _registry_person(actor: User, id_number: str) -> Any:
    """The registry record with this ID number, if the actor may see it.

    Found through the foreign key's model: organizations and registry are independent layers,
    so this app never imports the registry's modules.
    """
    try:
        number = parse_id_number(id_number).number
    except IdNumberError as error:
        raise DomainError("id_number", error.message, field="id_number") from None
    person_model = Member._meta.get_field("person").related_model
    person = person_model.objects.visible_to(actor).filter(  # type: ignore[union-attr]
        id_number_index=blind_index(number)).first()
    if person is None:
        raise DomainError("id_number", "残疾人库中没有找到该身份证号（或不在您的管辖范围内）。"
                          "未在库中登记的人员请留空。", field="id_number")
    return person


def _member_values(actor: User, data: MemberData, member: Member | None) -> dict[str, Any]:
    region = _region(data.region_code, field="region")
    _require_write(actor, region.code, field="region")
    name = data.name.strip()
    if not name:
        raise DomainError("name", "请填写姓名。", field="name")
    phone = normalize_phone(data.phone)
    person_id = member.person_id if member is not None else None
    if data.id_number.strip():  # blank keeps the current link
        person_id = _registry_person(actor, data.id_number).pk
    user_id = data.user_id
    if user_id is not None:
        user = User.objects.visible_to(actor).filter(pk=user_id).first()
        if user is None or user.is_portal_user:
            raise DomainError("user", "没有找到该工作人员账户。", field="user")
        taken = Member.objects.filter(user_id=user_id)
        if member is not None:
            taken = taken.exclude(pk=member.pk)
        if taken.exists():
            raise DomainError("user", "该账户已关联其他人员。", field="user")
    return {"name": name, "sex": data.sex, "phone": phone, "phone_index":
            blind_index(phone) if phone else "", "region_id": region.code,
            "person_id": person_id, "user_id": user_id, "is_disabled": data.is_disabled,
            "is_relative": data.is_relative, "is_role_model": data.is_role_model,
            "is_grassroots": data.is_grassroots, "is_rural": data.is_rural,
            "is_volunteer": data.is_volunteer, "note": data.note.strip()}


@transaction.atomic
def member_create(*, actor: User, data: MemberData,
                  request: HttpRequest | None = None) -> Member:
    member = Member.objects.create(**_member_values(actor, data, None))
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=member,
                       summary="新增组织人员", changes=audit.created(member, MEMBER_FIELDS),
                       request=request)
    return member


@transaction.atomic
def member_update(*, actor: User, member: Member, data: MemberData,
                  request: HttpRequest | None = None) -> Member:
    _require_write(actor, member.region_id)
    values = _member_values(actor, data, member)
    if values["region_id"] != member.region_id:
        _check_holdings_still_inside(member, values["region_id"])
    logged = {k: v for k, v in values.items() if k != "phone_index"}
    before = audit.snapshot(member, logged)
    for name, value in values.items():
        setattr(member, name, value)
    member.save()
    changes = audit.diff(before, logged)
    if changes:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=member,
                           summary="修改组织人员信息", changes=changes, request=request)
    return member


def _check_holdings_still_inside(member: Member, region_code: str) -> None:
    current = PostHolding.objects.filter(member=member, ended_on__isnull=True).select_related(
        "unit__region")
    for holding in current:
        if not region_code.startswith(holding.unit.region.prefix):
            raise DomainError("member_outside", f"该人员仍在{holding.unit.name}任职，所在区划"
                              "须在该组织的区划范围内；请先结束任职。", field="region")


@transaction.atomic
def member_reveal_phone(*, actor: User, member: Member,
                        request: HttpRequest | None = None) -> str:
    if not can_reveal(actor):
        raise DomainError("forbidden", "您无权查看完整号码。")
    audit.audit_record(actor=actor, action=AuditAction.REVEAL, obj=member,
                       summary="查看完整联系电话", changes={"field": "phone"}, request=request)
    return member.phone


# ---------------------------------------------------------------- post holdings

def _term_error(started_on: date, ended_on: date | None) -> DomainError | None:
    if ended_on is not None and ended_on < started_on:
        return DomainError("term_order", "任职终止日期不能早于起始日期。", field="ended_on")
    return None


def _single_holder_message(unit: OrgUnit, post: str, other: PostHolding) -> str:
    until = f"至 {other.ended_on:%Y-%m-%d}" if other.ended_on else "至今"
    return (f"{unit.name}的{Post(post).label}同一时间只能有一人，该任期与现任"
            f"（{other.started_on:%Y-%m-%d} {until}）重叠；请先为原任职填写终止日期。")


def holding_check(*, unit: OrgUnit, member: Member, post: str, started_on: date,
                  ended_on: date | None, exclude_id: int | None = None) -> None:
    """The rules of one term, raising the first broken one (the import reuses this)."""
    if not unit.is_active:
        raise DomainError("unit_inactive", "该组织已撤销，不能再任命职务。", field="unit")
    if post not in Post.values:
        raise DomainError("post", "没有这个职务。", field="post")
    error = _term_error(started_on, ended_on)
    if error is not None:
        raise error
    if not member.region_id.startswith(unit.region.prefix):
        raise DomainError("member_outside", f"该人员不在{unit.name}所在区划（{unit.region.name}）"
                          "范围内，不能在本组织任职。", field="member")
    if (post == Post.DELEGATE) != (unit.kind == UnitKind.CONGRESS):
        raise DomainError("delegate", "“代表”只用于残疾人代表大会，代表大会只设“代表”。",
                          field="post")
    terms = PostHolding.objects.filter(unit=unit, post=post).overlapping(started_on, ended_on)
    if exclude_id is not None:
        terms = terms.exclude(pk=exclude_id)
    if terms.filter(member=member).exists():
        raise DomainError("duplicate", "该人员在这段时间已担任此职务。", field="member")
    if post in SINGLE_HOLDER_POSTS:
        other = terms.order_by("started_on").first()
        if other is not None:
            raise DomainError("single_holder", _single_holder_message(unit, post, other),
                              field="started_on")


def holding_create(*, actor: User, unit: OrgUnit, member: Member, post: str,
                   started_on: date, ended_on: date | None = None, note: str = "",
                   request: HttpRequest | None = None) -> PostHolding:
    _require_write(actor, unit.region_id, field="unit")
    try:
        with transaction.atomic():
            # Lock the unit row: two clerks appointing a chair at once are serialised, so the
            # overlap check below sees the other's term (the PostgreSQL exclusion constraint
            # of migration 0002 is the backstop).
            OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
            holding_check(unit=unit, member=member, post=post, started_on=started_on,
                          ended_on=ended_on)
            holding = PostHolding.objects.create(
                unit=unit, member=member, post=post, started_on=started_on, ended_on=ended_on,
                note=note.strip(), created_by=actor)
            audit.audit_record(
                actor=actor, action=AuditAction.CREATE, obj=holding,
                region_code=unit.region_id, summary=f"任命{Post(post).label}",
                changes=audit.created(holding, ("unit_id", "member_id", "post", "started_on",
                                                "ended_on")),
                request=request)
    except IntegrityError:
        raise DomainError("single_holder", f"{unit.name}的{Post(post).label}同一时间只能有一人。",
                          field="started_on") from None
    return holding


@transaction.atomic
def holding_end(*, actor: User, holding: PostHolding, ended_on: date,
                request: HttpRequest | None = None) -> PostHolding:
    """Close (or correct the end of) a term; the history of who held a post stays."""
    _require_write(actor, holding.unit.region_id)
    error = _term_error(holding.started_on, ended_on)
    if error is not None:
        raise error
    OrgUnit.objects.select_for_update().filter(pk=holding.unit_id).first()
    before = holding.ended_on
    if before is not None and ended_on > before:
        holding_check(unit=holding.unit, member=holding.member, post=holding.post,
                      started_on=holding.started_on, ended_on=ended_on,
                      exclude_id=holding.pk)
    holding.ended_on = ended_on
    holding.save(update_fields=["ended_on"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=holding,
                       region_code=holding.unit.region_id, summary="结束任职",
                       changes=audit.diff({"ended_on": before}, {"ended_on": ended_on}),
                       request=request)
    return holding


# ---------------------------------------------------------------- thresholds

@transaction.atomic
def threshold_set(*, actor: User, key: str, value: Decimal,
                  request: HttpRequest | None = None) -> Threshold:
    if not can_edit_thresholds(actor):
        raise DomainError("forbidden", "只有县级系统管理员或县残联工作人员可以修改标准。")
    if key not in ThresholdKey.values:
        raise DomainError("key", "没有这条规则。")
    limit = Decimal(366) if key == ThresholdKey.COUNCIL_GRASSROOTS_DAYS else Decimal(100)
    if not Decimal(0) <= value <= limit:
        raise DomainError("value", f"标准值应在 0 到 {limit} 之间。", field=key)
    row = Threshold.objects.filter(county_id=actor.region_id, key=key).first()
    before = row.value if row is not None else None
    if row is None:
        row = Threshold(county_id=actor.region_id, key=key)
    row.value, row.updated_by = value, actor
    row.save()
    if before != value:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=row,
                           region_code=actor.region_id,
                           summary=f"修改标准：{ThresholdKey(key).label}",
                           changes={key: [str(before) if before is not None else "默认",
                                          str(value)]},
                           request=request)
    return row


# ---------------------------------------------------------------- training and contact

@dataclass(frozen=True)
class TrainingData:
    title: str
    region_code: str
    held_on: date
    days: Decimal = Decimal(1)
    location: str = ""
    is_online: bool = False
    topic: str = ""


@transaction.atomic
def training_create(*, actor: User, data: TrainingData,
                    request: HttpRequest | None = None) -> TrainingSession:
    region = _region(data.region_code, field="region")
    _require_write(actor, region.code, field="region")
    if data.days <= 0:
        raise DomainError("days", "培训天数应大于 0。", field="days")
    session = TrainingSession.objects.create(
        title=data.title.strip(), region=region, held_on=data.held_on, days=data.days,
        location=data.location.strip(), is_online=data.is_online, topic=data.topic.strip(),
        created_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=session,
                       summary="登记培训", changes=audit.created(
                           session, ("title", "region_id", "held_on", "days")),
                       request=request)
    return session


@transaction.atomic
def attendance_set(*, actor: User, session: TrainingSession, member_ids: set[int],
                   request: HttpRequest | None = None) -> tuple[int, int]:
    """Make the attendance list exactly `member_ids`; returns (added, removed)."""
    _require_write(actor, session.region_id)
    visible = set(Member.objects.visible_to(actor).filter(pk__in=member_ids)
                  .values_list("pk", flat=True))
    if visible != member_ids:
        raise DomainError("member", "名单中有不在您管辖范围内的人员。", field="members")
    current = set(session.attendances.values_list("member_id", flat=True))
    added, removed = member_ids - current, current - member_ids
    TrainingAttendance.objects.bulk_create(
        [TrainingAttendance(session=session, member_id=m, recorded_by=actor) for m in added])
    session.attendances.filter(member_id__in=removed).delete()
    if added or removed:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=session,
                           summary="登记参训人员",
                           changes={"added": len(added), "removed": len(removed)},
                           request=request)
    return len(added), len(removed)


@transaction.atomic
def grassroots_visit_record(*, actor: User, member: Member, started_on: date, days: Decimal,
                            place_code: str, purpose: str,
                            request: HttpRequest | None = None) -> GrassrootsVisit:
    """Log days at the grassroots of an executive-council member (seed 004 二(三)4)."""
    if actor.role not in COUNTY_WRITE_ROLES:
        raise DomainError("forbidden", "执行理事会成员下基层情况由县残联工作人员登记。")
    _require_write(actor, member.region_id, field="member")
    on_council = PostHolding.objects.filter(
        member=member, unit__kind=UnitKind.EXECUTIVE_COUNCIL).active_on(started_on)
    if not on_council.exists():
        raise DomainError("not_council", "该人员在该日期不是执行理事会成员。", field="member")
    if not Decimal("0.5") <= days <= Decimal(366):
        raise DomainError("days", "天数应在 0.5 到 366 之间。", field="days")
    place = _region(place_code, field="place")
    if not in_jurisdiction(actor, place.code):
        raise DomainError("place", "地点不在本县范围内。", field="place")
    if not purpose.strip():
        raise DomainError("purpose", "请填写事由。", field="purpose")
    visit = GrassrootsVisit.objects.create(member=member, started_on=started_on, days=days,
                                           place=place, purpose=purpose.strip(),
                                           recorded_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=visit,
                       region_code=member.region_id, summary="登记下基层",
                       changes=audit.created(visit, ("member_id", "started_on", "days",
                                                     "place_id")),
                       request=request)
    return visit
