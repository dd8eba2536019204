"""The case lifecycle (诉求办理): register, accept, start, reassign, extend, conclude with a reply,
rate (满意 → 销号; 不满意 → reopened), return with a reason, 复查 / 复核 for petitions, attachments.

Each transition checks the role and jurisdiction (permissions.py) and the allowed-transition map
below, claims the case with a conditional UPDATE on its version (two officers acting at once:
the second gets a conflict and nothing changes), stamps who and when, writes a `CaseEvent` and
an audit row and tells the person by SMS, all in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from canlian.cases import deadlines, files, permissions, routing
from canlian.cases.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseAction,
    CaseAttachment,
    CaseEvent,
    CaseSource,
    CaseStatus,
    NeedKind,
    ReviewStage,
    Satisfaction,
)
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, Region, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role
from canlian.core.sms import send_sms
from canlian.organizations.models import OrgUnit
from canlian.registry.models import Person

S = CaseStatus
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    CaseAction.ACCEPT: (S.REGISTERED,),
    CaseAction.START: (S.ACCEPTED,),
    CaseAction.ASSIGN: OPEN_CASE_STATUSES,
    CaseAction.EXTEND: (S.ACCEPTED, S.IN_PROGRESS),
    CaseAction.CONCLUDE: (S.IN_PROGRESS,),
    CaseAction.RATE: (S.CONCLUDED,),
    CaseAction.CONFIRM: (S.CONCLUDED,),
    CaseAction.RETURN: (S.REGISTERED, S.ACCEPTED),
    CaseAction.REVIEW: (S.CONCLUDED,),
    CaseAction.ATTACH: OPEN_CASE_STATUSES,
}
CONFLICT_MESSAGE = ("该诉求刚刚已被其他工作人员处理，您的操作未生效。"
                    "请刷新页面查看最新状态后再操作。")
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


def _cn(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _now() -> datetime:
    return timezone.now()


def _claim(case: Case, expected_version: int | None) -> None:
    expected = case.version if expected_version is None else expected_version
    if Case.objects.filter(pk=case.pk, version=expected).update(version=F("version") + 1) == 0:
        raise DomainError("conflict", CONFLICT_MESSAGE)
    case.version = expected + 1


def _require_status(case: Case, action: str) -> None:
    if case.status not in ALLOWED_FROM[action]:
        raise DomainError("out_of_order",
                          f"该诉求当前状态为“{case.get_status_display()}”，"
                          f"不能进行“{CaseAction(action).label}”操作。")


def _require_handler(actor: User, case: Case, action: str) -> None:
    if actor.role not in permissions.HANDLER_ROLES:
        raise DomainError("forbidden", f"您的角色不能对诉求进行“{CaseAction(action).label}”操作。")
    if not in_jurisdiction(actor, case.region_id):
        raise DomainError("jurisdiction", "该诉求不在您的管辖范围内。")
    if not permissions.unit_in_reach(actor, case):
        raise DomainError("forbidden", f"该诉求由{case.responsible_unit}承办，"
                                       "请由承办单位或县残联办理。")


def _require_independent_closer(actor: User, case: Case) -> None:
    reason = permissions.closure_conflict(actor, case)
    if reason:
        raise DomainError("separation_of_duties", reason)


def _event(case: Case, action: str, actor: User | None, *, from_status: str, note: str = "",
           unit: OrgUnit | None = None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, action=action, from_status=from_status, to_status=case.status, actor=actor,
        at=_now(), due_on=case.due_on or case.accept_due_on, unit=unit or case.responsible_unit,
        note=note[:2000])


def _audit(actor: User | None, case: Case, summary: str, request: HttpRequest | None,
           action: AuditAction = AuditAction.UPDATE, changes: dict | None = None) -> None:
    audit.audit_record(actor=actor, action=action, obj=case,
                       summary=f"诉求 {case.reference}：{summary}", changes=changes,
                       request=request)


def _phone_of(case: Case) -> str:
    if case.contact_phone:
        return case.contact_phone
    if case.person_id and case.person.phone:
        return case.person.phone
    if case.submitted_by.role == Role.RESIDENT:
        return case.submitted_by.phone
    return ""


def _notify(case: Case, text: str) -> None:
    transaction.on_commit(lambda: send_sms(_phone_of(case), f"【县残联】{text}"))


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "version"])


def _deadlines(case: Case) -> deadlines.Deadlines:
    return deadlines.deadlines_for(case.source, case.region_id)


# ------------------------------------------------------------------ register


def _validate_register(actor: User, source: str, category: str, title: str, description: str,
                       contact_phone: str) -> None:
    if source not in CaseSource.values:
        raise DomainError("source", "请选择诉求来源。", field="source")
    if category not in NeedKind.values:
        raise DomainError("category", "请选择诉求类别。", field="category")
    if not title.strip():
        raise DomainError("title", "请填写标题（一句话说明诉求）。", field="title")
    if not description.strip():
        raise DomainError("description", "请填写诉求内容。", field="description")
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise DomainError("contact_phone", "联系电话应为 11 位手机号或带区号的固定电话。",
                          field="contact_phone")
    if actor.role == Role.RESIDENT and source not in permissions.RESIDENT_SOURCES:
        raise DomainError("forbidden", "在线只能提交求助或建议。", field="source")


@transaction.atomic
def case_register(*, actor: User, source: str, category: str, title: str, description: str,
                  region_code: str = "", person: Person | None = None, contact_name: str = "",
                  contact_phone: str = "", attachments: Sequence[files.Upload] = (),
                  request: HttpRequest | None = None) -> Case:
    """登记: a new case, routed to its unit, with the acceptance deadline of its source."""
    contact_phone = contact_phone.strip().replace(" ", "")
    _validate_register(actor, source, category, title, description, contact_phone)
    if person is not None:
        if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
            raise DomainError("jurisdiction", "该人员不在您的管辖范围内。", field="person")
        region_code = person.region_id
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None:
        raise DomainError("region", "请选择诉求所属的村（社区）或乡镇。", field="region")
    if actor.role != Role.RESIDENT and not in_jurisdiction(actor, region.code):
        raise DomainError("jurisdiction", "该区域不在您的管辖范围内。", field="region")
    if not permissions.can_register_case(actor, region.code, source):
        raise DomainError("forbidden", "您的角色不能登记诉求。")
    if len(attachments) > files.MAX_ATTACHMENTS:
        raise DomainError("file", f"附件最多 {files.MAX_ATTACHMENTS} 个。", field="attachments")
    for upload in attachments:
        files.check(upload, allowed=files.ATTACHMENT_TYPES, field="attachments")
    now = _now()
    rules = deadlines.deadlines_for(source, region.code)
    case = Case.objects.create(
        source=source, category=category, title=title.strip()[:100],
        description=description.strip()[:2000], person=person, region=region,
        contact_name=contact_name.strip()[:50], contact_phone=contact_phone,
        submitted_by=actor, registered_at=now,
        responsible_unit=routing.route_unit(region.code, category),
        accept_due_on=deadlines.deadline_after(timezone.localdate(now), rules.accept_days,
                                               rules.unit))
    _event(case, CaseAction.REGISTER, actor, from_status="",
           note=f"来源：{case.get_source_display()}")
    for upload in attachments:
        _attach(case, actor, upload)
    _audit(actor, case, "登记", request, AuditAction.CREATE,
           changes=audit.created(case, ["source", "category", "region_id",
                                        "responsible_unit_id", "accept_due_on"]))
    _notify(case, f"您的{case.get_source_display()}已登记，编号 {case.reference}，"
                  f"将于 {_cn(case.accept_due_on)} 前告知是否受理。")
    return case


def _attach(case: Case, actor: User, upload: files.Upload) -> CaseAttachment:
    stored = files.store(upload, folder=str(case.pk), allowed=files.ATTACHMENT_TYPES,
                         field="attachments")
    return CaseAttachment.objects.create(
        case=case, path=stored.path, original_name=stored.original_name,
        content_type=stored.content_type, size=stored.size, uploaded_by=actor,
        uploaded_at=_now())


@transaction.atomic
def case_attach(*, actor: User, case: Case, upload: files.Upload,
                request: HttpRequest | None = None) -> CaseAttachment:
    _require_status(case, CaseAction.ATTACH)
    if actor.role != Role.RESIDENT and not in_jurisdiction(actor, case.region_id):
        raise DomainError("jurisdiction", "该诉求不在您的管辖范围内。")
    if case.attachments.count() >= files.MAX_ATTACHMENTS * 2:
        raise DomainError("file", "该诉求的附件已达上限。", field="file")
    attachment = _attach(case, actor, upload)
    _event(case, CaseAction.ATTACH, actor, from_status=case.status,
           note=attachment.original_name)
    _audit(actor, case, "上传附件", request, AuditAction.CREATE)
    return attachment


# ------------------------------------------------------------------ handling


@transaction.atomic
def case_accept(*, actor: User, case: Case, note: str = "", expected_version: int | None = None,
                request: HttpRequest | None = None) -> Case:
    """受理: the conclusion deadline runs from today (信访: 60 days, 第三十四条)."""
    _require_handler(actor, case, CaseAction.ACCEPT)
    _require_status(case, CaseAction.ACCEPT)
    _claim(case, expected_version)
    rules = _deadlines(case)
    previous = case.status
    case.status = S.ACCEPTED
    case.accepted_at, case.accepted_by = _now(), actor
    case.due_on = deadlines.deadline_after(timezone.localdate(), rules.conclude_days, rules.unit)
    _save(case, "status", "accepted_at", "accepted_by", "due_on")
    _event(case, CaseAction.ACCEPT, actor, from_status=previous, note=note)
    _audit(actor, case, "受理", request)
    unit = case.responsible_unit or "县残联"
    _notify(case, f"您的诉求（{case.reference}）已受理，承办单位：{unit}，"
                  f"将于 {_cn(case.due_on)} 前办结。{note}".strip())
    return case


@transaction.atomic
def case_start(*, actor: User, case: Case, note: str = "", expected_version: int | None = None,
               request: HttpRequest | None = None) -> Case:
    _require_handler(actor, case, CaseAction.START)
    _require_status(case, CaseAction.START)
    _claim(case, expected_version)
    case.status = S.IN_PROGRESS
    _save(case, "status")
    _event(case, CaseAction.START, actor, from_status=S.ACCEPTED, note=note)
    _audit(actor, case, "开始办理", request)
    return case


@transaction.atomic
def case_assign(*, actor: User, case: Case, unit: OrgUnit, note: str = "",
                expected_version: int | None = None,
                request: HttpRequest | None = None) -> Case:
    """改派: another unit of the county takes the case over (its deadlines do not restart)."""
    _require_handler(actor, case, CaseAction.ASSIGN)
    _require_status(case, CaseAction.ASSIGN)
    if not unit.is_active or not unit.region_id.startswith(case.region_id[:6]):
        raise DomainError("unit", "请选择本县的承办单位。", field="unit")
    if unit.pk == case.responsible_unit_id:
        raise DomainError("unit", "该诉求已由此单位承办。", field="unit")
    _claim(case, expected_version)
    before = case.responsible_unit
    case.responsible_unit = unit
    _save(case, "responsible_unit")
    _event(case, CaseAction.ASSIGN, actor, from_status=case.status,
           note=f"由{before or '未指定'}改派至{unit}。{note}".strip(), unit=unit)
    _audit(actor, case, "改派承办单位", request,
           changes={"responsible_unit_id": [before.pk if before else None, unit.pk]})
    return case


@transaction.atomic
def case_extend(*, actor: User, case: Case, days: int, reason: str,
                expected_version: int | None = None,
                request: HttpRequest | None = None) -> Case:
    """延期: at most the source's extension in total (信访: 30 days, 第三十四条), with the reason
    told to the person."""
    _require_handler(actor, case, CaseAction.EXTEND)
    _require_status(case, CaseAction.EXTEND)
    rules = _deadlines(case)
    if not reason.strip():
        raise DomainError("reason", "请填写延期理由（将告知诉求人）。", field="reason")
    if days < 1:
        raise DomainError("days", "延期天数至少为 1 天。", field="days")
    if case.extended_days + days > rules.extension_days:
        unit = "日" if rules.is_calendar else "个工作日"
        left = rules.extension_days - case.extended_days
        raise DomainError("days", f"延期总计不能超过 {rules.extension_days} {unit}，"
                                  f"本件还可延期 {max(left, 0)} {unit}。", field="days")
    if case.due_on is None:
        raise DomainError("out_of_order", "该诉求尚未受理，不能延期。")
    _claim(case, expected_version)
    before = case.due_on
    case.due_on = deadlines.deadline_after(case.due_on, days, rules.unit)
    case.extended_days += days
    case.extension_reason = reason.strip()[:300]
    _save(case, "due_on", "extended_days", "extension_reason")
    _event(case, CaseAction.EXTEND, actor, from_status=case.status,
           note=f"延期 {days} {'日' if rules.is_calendar else '个工作日'}：{reason.strip()}")
    _audit(actor, case, "延期", request, changes={"due_on": [before.isoformat(),
                                                              case.due_on.isoformat()]})
    _notify(case, f"您的诉求（{case.reference}）办理期限延长至 {_cn(case.due_on)}。"
                  f"理由：{case.extension_reason}")
    return case


@transaction.atomic
def case_conclude(*, actor: User, case: Case, reply: str, expected_version: int | None = None,
                  request: HttpRequest | None = None) -> Case:
    """办结: the reply to the person is required; they are asked to rate it."""
    _require_handler(actor, case, CaseAction.CONCLUDE)
    _require_status(case, CaseAction.CONCLUDE)
    if not reply.strip():
        raise DomainError("reply", "请填写给诉求人的答复意见。", field="reply")
    _claim(case, expected_version)
    now = _now()
    case.status = S.CONCLUDED
    case.reply = reply.strip()[:2000]
    case.concluded_at, case.concluded_by = now, actor
    case.days_to_conclude = (timezone.localdate(now) - timezone.localdate(case.registered_at)).days
    case.satisfaction, case.rated_at = "", None
    _save(case, "status", "reply", "concluded_at", "concluded_by", "days_to_conclude",
          "satisfaction", "rated_at")
    _event(case, CaseAction.CONCLUDE, actor, from_status=S.IN_PROGRESS, note=case.reply)
    _audit(actor, case, "办结答复", request)
    _notify(case, f"您的诉求（{case.reference}）已办结：{case.reply[:60]}。"
                  "请登录“我的办事”或告诉专职委员您是否满意。")
    return case


def household_person_ids(actor: User) -> frozenset[int]:
    """A resident's own and household persons (others: none)."""
    if actor.role != Role.RESIDENT:
        return frozenset()
    return frozenset(Person.objects.visible_to(actor).values_list("pk", flat=True))


@transaction.atomic
def case_rate(*, actor: User, case: Case, satisfaction: str, note: str = "",
              expected_version: int | None = None,
              request: HttpRequest | None = None) -> Case:
    """满意 / 基本满意: 回访确认, the case is 销号. 不满意: the case is handled again (a petition
    instead keeps its reply and the petitioner may ask for 复查 within 30 days)."""
    if satisfaction not in Satisfaction.values:
        raise DomainError("satisfaction", "请选择满意程度。", field="satisfaction")
    _require_status(case, CaseAction.RATE)
    if not permissions.can_rate(actor, case, household_person_ids(actor)):
        raise DomainError("forbidden", "您不能评价该诉求。")
    _require_independent_closer(actor, case)
    _claim(case, expected_version)
    now = _now()
    case.satisfaction, case.rated_at = satisfaction, now
    label = Satisfaction(satisfaction).label
    fields = ["satisfaction", "rated_at"]
    if satisfaction != Satisfaction.DISSATISFIED:
        case.status, case.closed_at, case.closed_by = S.CONFIRMED, now, actor
        fields += ["status", "closed_at", "closed_by"]
        _save(case, *fields)
        _event(case, CaseAction.RATE, actor, from_status=S.CONCLUDED,
               note=f"评价：{label}，回访确认销号。{note}".strip())
        _audit(actor, case, f"评价{label}，销号", request)
        return case
    if case.source == CaseSource.PETITION:
        _save(case, *fields)
        _event(case, CaseAction.RATE, actor, from_status=S.CONCLUDED,
               note=f"评价：{label}。{note}".strip())
        _audit(actor, case, f"评价{label}", request)
        _notify(case, f"您对诉求（{case.reference}）的答复不满意，可在收到答复之日起 30 日内"
                      "向上一级机关申请复查。")
        return case
    rules = _deadlines(case)
    case.status = S.IN_PROGRESS
    case.reopen_count += 1
    case.concluded_at, case.concluded_by, case.days_to_conclude = None, None, None
    case.due_on = deadlines.deadline_after(timezone.localdate(now), rules.conclude_days,
                                           rules.unit)
    _save(case, *fields, "status", "reopen_count", "concluded_at", "concluded_by",
          "days_to_conclude", "due_on")
    _event(case, CaseAction.REOPEN, actor, from_status=S.CONCLUDED,
           note=f"评价：{label}，重新办理。{note}".strip())
    _audit(actor, case, f"评价{label}，重新办理", request)
    return case


def confirm_allowed(case: Case) -> bool:
    """A concluded petition may be 销号 by staff once its review path is closed."""
    window_over = (case.concluded_at is not None and timezone.localdate() > timezone.localdate(
        case.concluded_at) + timedelta(days=deadlines.REVIEW_REQUEST_DAYS))
    return (case.source == CaseSource.PETITION and case.status == S.CONCLUDED
            and (window_over or case.review_stage == ReviewStage.RECHECK))


@transaction.atomic
def case_confirm(*, actor: User, case: Case, note: str = "", expected_version: int | None = None,
                 request: HttpRequest | None = None) -> Case:
    """销号 of a petition whose review path is closed: after 复核 (final), or when no 复查 was
    asked within 30 days of the reply. Other cases are 销号 by the person's rating."""
    _require_handler(actor, case, CaseAction.CONFIRM)
    _require_status(case, CaseAction.CONFIRM)
    _require_independent_closer(actor, case)
    if not confirm_allowed(case):
        raise DomainError("out_of_order", "请先回访诉求人并记录满意度；满意或基本满意即自动销号。")
    _claim(case, expected_version)
    case.status, case.closed_at, case.closed_by = S.CONFIRMED, _now(), actor
    _save(case, "status", "closed_at", "closed_by")
    _event(case, CaseAction.CONFIRM, actor, from_status=S.CONCLUDED, note=note)
    _audit(actor, case, "销号", request)
    return case


@transaction.atomic
def case_return(*, actor: User, case: Case, reason: str, expected_version: int | None = None,
                request: HttpRequest | None = None) -> Case:
    """退回: not for this body, a duplicate, or not a matter it can handle; the reason is told."""
    _require_handler(actor, case, CaseAction.RETURN)
    _require_status(case, CaseAction.RETURN)
    if not reason.strip():
        raise DomainError("reason", "请填写退回理由（将告知诉求人）。", field="reason")
    _claim(case, expected_version)
    previous = case.status
    case.status, case.return_reason = S.RETURNED, reason.strip()[:300]
    case.closed_at, case.closed_by = _now(), actor
    _save(case, "status", "return_reason", "closed_at", "closed_by")
    _event(case, CaseAction.RETURN, actor, from_status=previous, note=case.return_reason)
    _audit(actor, case, "退回", request)
    _notify(case, f"您的诉求（{case.reference}）未予受理，理由：{case.return_reason}")
    return case


@transaction.atomic
def case_review_request(*, actor: User, case: Case, note: str = "",
                        expected_version: int | None = None,
                        request: HttpRequest | None = None) -> Case:
    """复查 (then 复核): asked within 30 days of the reply, handled by the next-higher body and
    answered within 30 days (信访工作条例 第三十五、三十六条). After 复核 nothing more."""
    _require_status(case, CaseAction.REVIEW)
    if case.source != CaseSource.PETITION:
        raise DomainError("out_of_order", "只有信访事项可以申请复查、复核。")
    if case.review_stage >= ReviewStage.RECHECK:
        raise DomainError("final", "复核意见为最终意见，同一事实和理由的信访事项不再受理"
                                   "（信访工作条例第三十六条）。")
    if not permissions.can_request_review(actor, case, household_person_ids(actor)):
        raise DomainError("forbidden", "您不能为该诉求申请复查或复核。")
    concluded_on = timezone.localdate(case.concluded_at) if case.concluded_at else None
    if concluded_on and timezone.localdate() > concluded_on + timedelta(
            days=deadlines.REVIEW_REQUEST_DAYS):
        raise DomainError("late", "已超过收到答复之日起 30 日的申请期限"
                                  "（信访工作条例第三十五条）。")
    _claim(case, expected_version)
    case.review_stage += 1
    stage = ReviewStage(case.review_stage).label
    if case.responsible_unit is not None:
        case.responsible_unit = routing.unit_above(case.responsible_unit) or case.responsible_unit
    case.status = S.IN_PROGRESS
    case.due_on = deadlines.calendar_deadline(timezone.localdate(),
                                              deadlines.REVIEW_ANSWER_DAYS)
    case.concluded_at, case.concluded_by, case.days_to_conclude = None, None, None
    case.satisfaction, case.rated_at = "", None
    _save(case, "review_stage", "responsible_unit", "status", "due_on", "concluded_at",
          "concluded_by", "days_to_conclude", "satisfaction", "rated_at")
    _event(case, CaseAction.REVIEW, actor, from_status=S.CONCLUDED,
           note=f"申请{stage}。{note}".strip())
    _audit(actor, case, f"申请{stage}", request)
    body = case.responsible_unit or "上级机关"
    _notify(case, f"您的{stage}申请已登记（{case.reference}），由{body}"
                  f"于 {_cn(case.due_on)} 前书面答复。")
    return case
