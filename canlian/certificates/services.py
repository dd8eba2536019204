"""Writes of the certificate workflow: submit, accept, assess, publicize, review, produce,
issue, close, forward, reject, objections, documents and the expiry campaign.

Each transition: checks the role/channel/jurisdiction (permissions.py) and that the step is the
one the application waits for (workflow.py), then claims the application with a conditional
UPDATE on its version (two staff acting at once: the second gets a conflict and nothing
changes), stamps an `ApplicationStep` (who, when, in person or not), writes one audit row and
tells the applicant, all in one transaction. The registry is changed only through
`canlian.registry.services` (person_save, person_certificate_set).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from canlian.certificates import selectors, workflow
from canlian.certificates.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStep,
    ApplicationType,
    Assessment,
    AssessmentPlace,
    AssessmentResult,
    Channel,
    CrossDirection,
    DocumentKind,
    Notice,
    RenewalReason,
    Status,
    Step,
    StepOutcome,
    TravelAssumption,
)
from canlian.certificates.permissions import (
    can_act,
    can_record_assessment,
    can_submit_on,
    review_conflict,
)
from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import (
    CATEGORY_LABELS,
    GRADE_LABELS,
    CertificateNumberError,
    IdNumberError,
    build_certificate_number,
    certificate_valid_until,
    multiple_disability_grade,
    parse_certificate_number,
    parse_id_number,
)
from canlian.core.models import AuditAction, AuditEvent, Region, RegionLevel, User
from canlian.core.permissions import in_jurisdiction
from canlian.core.roles import Role
from canlian.core.sms import send_sms
from canlian.core.workdays import add_working_days, working_days_between
from canlian.registry import guardians
from canlian.registry import services as registry_services
from canlian.registry.models import CancelReason, Category, CertificateStatus, LivingStatus, Person
from canlian.registry.rows import parse_rows

T = ApplicationType
CONFLICT_MESSAGE = ("该申请刚刚已被其他工作人员处理，您的操作未生效。"
                    "请刷新页面查看最新状态后再操作。")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Magic bytes of the accepted uploads (the declared type and file name are not trusted).
MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png",
         b"%PDF-": "application/pdf"}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _claim(application: Application, expected_version: int | None) -> None:
    """Optimistic lock: bump the version only if nobody changed the application since it was
    read; otherwise refuse as a conflict (the surrounding transaction rolls back)."""
    expected = application.version if expected_version is None else expected_version
    claimed = Application.objects.filter(pk=application.pk, version=expected).update(
        version=F("version") + 1)
    if not claimed:
        raise DomainError("conflict", CONFLICT_MESSAGE)
    application.version = expected + 1


def _check_version(application: Application, expected_version: int | None) -> None:
    """A form or API call made on an older version (someone acted meanwhile) is a conflict."""
    if expected_version is not None and expected_version != application.version:
        raise DomainError("conflict", CONFLICT_MESSAGE)


def _require_step(application: Application, *steps: str) -> None:
    if not application.is_open or application.step not in steps:
        current = application.get_step_display() if application.is_open else \
            application.get_status_display()
        wanted = "、".join(str(Step(s).label) for s in steps)
        raise DomainError("out_of_order",
                          f"该申请当前处于“{current}”，不能进行“{wanted}”操作。")


def _require_actor(actor: User, application: Application, step: str) -> None:
    if not in_jurisdiction(actor, application.region_id):
        raise DomainError("jurisdiction", "该申请不在您的管辖范围内。")
    if not can_act(actor, application, step):
        raise DomainError("forbidden",
                          f"您的角色不能对该通道的申请进行“{Step(step).label}”操作。")


def _require_independent_reviewer(actor: User, application: Application) -> None:
    """不相容岗位分离: whoever submitted, accepted or assessed the application does not review
    it (approve or refuse at 县残联审核)."""
    reason = review_conflict(actor, selectors.step_actors(application))
    if reason:
        raise DomainError("separation_of_duties", reason)


def _record(application: Application, actor: User, *, outcome: str = StepOutcome.DONE,
            in_person: bool = False, note: str = "", step: str | None = None) -> ApplicationStep:
    started_on = application.step_started_on or timezone.localdate()
    entry = ApplicationStep.objects.create(
        application=application, step=step or application.step, outcome=outcome,
        started_on=started_on, due_on=application.step_due_on, done_at=timezone.now(),
        done_by=actor, in_person=in_person, note=note[:500],
        working_days=max(working_days_between(started_on, timezone.localdate()), 0))
    if in_person:
        application.trips += 1
    return entry


def _start(application: Application, step: str, today: date) -> None:
    application.status = Status.IN_PROGRESS
    application.step = step
    application.step_started_on = today
    application.step_due_on = add_working_days(today, workflow.deadline_days(application, step))


def _advance(application: Application, today: date) -> str | None:
    """Move to the next step of the sequence; returns it (None at the end)."""
    following = workflow.next_step(application)
    if following is not None:
        _start(application, following, today)
    return following


def _finish(application: Application, status: str) -> None:
    application.status = status
    application.step = ""
    application.step_due_on = None
    application.closed_at = timezone.now()


def _save(application: Application, *fields: str) -> None:
    application.save(update_fields=["version", "status", "step", "step_started_on",
                                    "step_due_on", "trips", "closed_at", *fields])


def _audit(actor: User, application: Application, summary: str,
           request: HttpRequest | None, changes: dict[str, Any] | None = None,
           action: str = AuditAction.UPDATE) -> None:
    audit.audit_record(actor=actor, action=action, obj=application,  # type: ignore[arg-type]
                       summary=summary, changes=changes, request=request)


def _notify(application: Application, title: str, body: str) -> None:
    """Tell the applicant in the portal (the submitting resident and the person's own account)
    and by SMS to the contact phone, once the transaction commits."""
    recipients = set()
    if application.submitted_by.role == Role.RESIDENT:
        recipients.add(application.submitted_by_id)
    recipients |= set(User.objects.filter(role=Role.RESIDENT, is_active=True,
                                          id_number_index=application.id_number_index)
                      .values_list("pk", flat=True))
    now = timezone.now()
    Notice.objects.bulk_create([
        Notice(recipient_id=pk, application=application, title=title, body=body, created_at=now)
        for pk in sorted(recipients)])
    phone = application.phone
    if phone:
        text = f"【县残联】{title}：{body}"
        transaction.on_commit(lambda: send_sms(phone, text))


# ------------------------------------------------------------------ submit


def _own_request_block_until(person: Person | None) -> date | None:
    """管理办法第二十四条: after cancellation at the holder's own request, no new application
    for 1 year from the cancellation."""
    if person is None:
        return None
    closed = (Application.objects.filter(
        person=person, type=T.CANCELLATION, cancel_reason=CancelReason.OWN_REQUEST,
        status=Status.CLOSED).order_by("-closed_at").values_list("closed_at", flat=True).first())
    if closed is None:
        return None
    on = timezone.localtime(closed).date()
    try:
        return on.replace(year=on.year + workflow.OWN_REQUEST_BLOCK_YEARS)
    except ValueError:  # 29 February
        return on.replace(year=on.year + workflow.OWN_REQUEST_BLOCK_YEARS, day=28)


def _check_type_rules(*, type: str, person: Person | None, today: date, declared_category: int |
                      None, renewal_reason: str, cancel_reason: str, destination: str,
                      previous_certificate_number: str, id_number: str) -> None:
    certificate = person.certificate_status if person is not None else CertificateStatus.NONE
    if type == T.NEW:
        if certificate == CertificateStatus.VALID:
            raise DomainError("has_certificate",
                              "该身份证号已持有有效的残疾人证，不能再次新办；如需变更等级请申请“等级/类别变更”。",
                              field="id_number")
        until = _own_request_block_until(person)
        if until is not None and today < until:
            raise DomainError("blocked",
                              "本人申请注销残疾人证后 1 年内不能重新申请"
                              f"（{until:%Y年%m月%d日} 起可申请）。",
                              field="type")
    if type in workflow.NEEDS_ASSESSMENT and declared_category is None:
        raise DomainError("declared_category", "请选择申报的残疾类别。", field="declared_category")
    if type == T.RENEWAL:
        if certificate not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            raise DomainError("no_certificate", "该人员没有可换领的残疾人证。", field="id_number")
        if renewal_reason not in RenewalReason.values:
            raise DomainError("renewal_reason", "请选择换领原因。", field="renewal_reason")
    if type in (T.REPLACEMENT, T.REASSESSMENT, T.TRANSFER_OUT) and \
            certificate != CertificateStatus.VALID:
        raise DomainError("no_certificate", "该人员没有有效的残疾人证。", field="id_number")
    if type == T.CANCELLATION:
        if certificate not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            raise DomainError("no_certificate", "该人员没有可注销的残疾人证。", field="id_number")
        if cancel_reason not in workflow.CANCEL_REASONS:
            raise DomainError("cancel_reason", "请选择注销原因。", field="cancel_reason")
    if type == T.TRANSFER_OUT and not destination.strip():
        raise DomainError("destination", "请填写迁往地。", field="destination")
    if type == T.TRANSFER_IN:
        if person is not None and person.living_status == LivingStatus.ALIVE and \
                certificate == CertificateStatus.VALID:
            raise DomainError("already_here", "该人员已持证登记，迁入前须由原登记地办理迁出。",
                              field="id_number")
        try:
            info = parse_certificate_number(previous_certificate_number)
        except CertificateNumberError as error:
            raise DomainError("previous_certificate_number", error.message,
                              field="previous_certificate_number") from None
        if info.id_number != id_number:
            raise DomainError("previous_certificate_number", "原残疾人证号与身份证号不一致。",
                              field="previous_certificate_number")


def _check_submitter(actor: User, *, channel: str, region: Region, id_index: str,
                     applicant_relation: str) -> None:
    if not can_submit_on(actor, channel):
        raise DomainError("channel", "您的角色不能通过该通道提交申请。", field="channel")
    if actor.role == Role.RESIDENT:
        # Self, the registered household, or a ward staff verified (GuardianLink); anyone else
        # gets one answer that says nothing about the ID number (issue 17 item 5), before any
        # check that would (an open application, a certificate).
        if not guardians.may_act_for(actor, id_index):
            raise DomainError("not_linked", guardians.NOT_LINKED_MESSAGE)
        if applicant_relation == "本人" and id_index != actor.id_number_index:
            raise DomainError("id_number", "为本人申请时，身份证号须与您账户登记的一致。",
                              field="id_number")
        return
    if not in_jurisdiction(actor, region.code):
        raise DomainError("jurisdiction", "户籍地不在您的管辖范围内。", field="region")


@transaction.atomic
def application_submit(*, actor: User, type: str, channel: str, name: str, id_number: str,
                       region_code: str, phone: str = "", applicant_relation: str = "本人",
                       declared_category: int | None = None, renewal_reason: str = "",
                       cancel_reason: str = "", destination: str = "",
                       previous_certificate_number: str = "",
                       previous_valid_until: date | None = None, cross_direction: str = "",
                       other_place: str = "", note: str = "", in_person: bool | None = None,
                       request: HttpRequest | None = None,
                       today: date | None = None) -> Application:
    """申请: one application, checked against the type's rules (DOMAIN.md §1–2)."""
    today = _today(today)
    if type not in T.values:
        raise DomainError("type", "请选择申请类型。", field="type")
    if channel not in Channel.values:
        raise DomainError("channel", "请选择办理通道。", field="channel")
    try:
        number = parse_id_number(id_number, today=today).number
    except IdNumberError as error:
        raise DomainError("id_number", error.message, field="id_number") from None
    region = Region.objects.filter(code=region_code, level=RegionLevel.VILLAGE).first()
    if region is None:
        raise DomainError("region", "请选择户籍所在的村（社区）。", field="region")
    if not name.strip():
        raise DomainError("name", "请填写姓名。", field="name")
    index = blind_index(number)
    _check_submitter(actor, channel=channel, region=region, id_index=index,
                     applicant_relation=applicant_relation or "本人")
    if channel == Channel.CROSS_PROVINCE:
        if cross_direction not in CrossDirection.values:
            raise DomainError("cross_direction", "请选择跨省通办的方向。", field="cross_direction")
        if not other_place.strip():
            raise DomainError("other_place", "请填写外省的户籍地或受理地。", field="other_place")
    else:
        cross_direction, other_place = "", ""
    outgoing = cross_direction == CrossDirection.OUTGOING
    if (channel == Channel.TOWNSHIP and type in workflow.NEEDS_ASSESSMENT
            and declared_category not in workflow.township_categories()):
        labels = "、".join(CATEGORY_LABELS[c] for c in sorted(workflow.township_categories()))
        raise DomainError("declared_category",
                          f"就地简办只能评定县残联下放的类别（{labels}），其他类别请到县级窗口申请。",
                          field="declared_category")
    if Application.objects.filter(id_number_index=index, status__in=OPEN_STATUSES).exists():
        raise DomainError("open_application",
                          "该人员已有正在办理的残疾人证申请，请等待办结后再申请。")
    person = Person.objects.filter(id_number_index=index).first()
    if not outgoing:
        _check_type_rules(type=type, person=person, today=today,
                          declared_category=declared_category, renewal_reason=renewal_reason,
                          cancel_reason=cancel_reason, destination=destination,
                          previous_certificate_number=previous_certificate_number.strip().upper(),
                          id_number=number)
    application = Application(
        type=type, channel=channel, cross_direction=cross_direction, other_place=other_place,
        person=person, name=name.strip(), id_number=number, id_number_index=index,
        region=region, phone=phone.strip(), applicant_relation=applicant_relation or "本人",
        declared_category=declared_category,
        renewal_reason=renewal_reason if type == T.RENEWAL else "",
        cancel_reason=cancel_reason if type == T.CANCELLATION else "",
        destination=destination.strip() if type == T.TRANSFER_OUT else "",
        previous_certificate_number=previous_certificate_number.strip().upper(),
        certificate_valid_until=previous_valid_until if type == T.TRANSFER_IN else None,
        note=note.strip()[:500], submitted_by=actor, submitted_at=timezone.now(),
        step=Step.SUBMIT, step_started_on=today)
    application.save()
    came = workflow.default_in_person(application, Step.SUBMIT) if in_person is None else in_person
    _record(application, actor, in_person=came, step=Step.SUBMIT)
    _start(application, Step.ACCEPT, today)
    application.status = Status.SUBMITTED
    _save(application)
    _audit(actor, application,
           f"提交{application.get_type_display()}申请（{application.get_channel_display()}）",
           request, audit.created(application, ["type", "channel", "id_number", "region_id"]),
           action=AuditAction.CREATE)
    _notify(application, "申请已提交",
            f"您的{application.get_type_display()}申请（{application.reference}）已提交，"
            f"将在 {application.step_due_on:%Y年%m月%d日} 前受理。")
    return application


# ------------------------------------------------------------------ accept (受理)


def _ensure_registry_person(actor: User, application: Application,
                            request: HttpRequest | None) -> None:
    """A first application (or an arrival) of someone not yet in the registry: register the
    person through the registry's own service, so the certificate can be issued to them."""
    if application.person_id is not None:
        return
    existing = Person.objects.filter(id_number_index=application.id_number_index).first()
    if existing is not None:
        application.person = existing
        return
    if application.type not in (T.NEW, T.TRANSFER_IN):
        raise DomainError("no_person", "残疾人基础库中没有该人员。")
    parsed = parse_rows(["姓名", "身份证号", "户籍地区划代码", "联系电话"],
                        [[application.name, application.id_number, application.region_id,
                          application.phone]])
    if parsed.errors or parsed.file_errors:
        message = parsed.errors[0].message if parsed.errors else "申请人信息无法登记入库。"
        raise DomainError("registry", message)
    application.person = registry_services.person_save(actor=actor, row=parsed.rows[0],
                                                       request=request)


@transaction.atomic
def application_accept(*, actor: User, application: Application, received: Sequence[str],
                       in_person: bool = False, note: str = "",
                       expected_version: int | None = None,
                       request: HttpRequest | None = None,
                       today: date | None = None) -> Application:
    """受理 with the materials checklist. If anything is missing, the applicant is told
    everything missing at once (一次性告知); a later check may only ask again for what was told
    the first time, never for something new."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.ACCEPT)
    _require_actor(actor, application, Step.ACCEPT)
    required = workflow.materials_required(application)
    missing = [k for k in required if k not in set(received)]
    if missing and application.materials_notified:
        new = [k for k in missing if k not in application.materials_notified]
        if new:
            labels = "、".join(DocumentKind(k).label for k in new)
            raise DomainError("told_once",
                              f"一次性告知：首次告知以外不能再要求补充材料（{labels}）。",
                              field="received")
    _claim(application, expected_version)
    labels = "、".join(DocumentKind(k).label for k in missing)
    if missing:
        first_time = not application.materials_notified
        if first_time:
            application.materials_notified = missing
        application.materials_missing = missing
        _record(application, actor, outcome=StepOutcome.INCOMPLETE, in_person=in_person,
                note=f"缺：{labels}")
        application.status = Status.NEEDS_MATERIALS
        _save(application, "materials_missing", "materials_notified")
        _audit(actor, application, "材料不全，一次性告知", request,
               {"materials_missing": labels})
        _notify(application, "请补齐材料",
                f"您的申请（{application.reference}）还缺少：{labels}。请一次补齐后提交或带到受理点。")
        return application
    if not (application.channel == Channel.CROSS_PROVINCE
            and application.cross_direction == CrossDirection.OUTGOING):
        _ensure_registry_person(actor, application, request)
    application.materials_missing = []
    _record(application, actor, in_person=in_person, note=note)
    _advance(application, today)
    _save(application, "materials_missing", "materials_notified", "person")
    _audit(actor, application, "受理", request)
    _notify(application, "申请已受理",
            f"您的申请（{application.reference}）已受理，下一环节：{application.get_step_display()}。")
    return application


# ------------------------------------------------------------------ assessment (评定)


@transaction.atomic
def assessment_assign(*, actor: User, application: Application, assessor: User,
                      institution: str, place: str, scheduled_on: date | None = None,
                      expected_version: int | None = None, request: HttpRequest | None = None,
                      today: date | None = None) -> Assessment:
    """Assign an assessor (评残医生) or hospital. 入户特办 assesses at home on a scheduled day
    (管理办法第十一条); 就地简办 at the township."""
    _check_version(application, expected_version)
    _require_step(application, Step.ASSESS)
    _require_actor(actor, application, Step.ASSESS)
    if assessor.role != Role.ASSESSOR or not assessor.is_active or \
            not application.region_id.startswith(assessor.region.prefix):
        raise DomainError("assessor", "请选择负责该地区的评残医生。", field="assessor")
    if application.channel == Channel.HOME and (place != AssessmentPlace.HOME
                                                or scheduled_on is None):
        raise DomainError("scheduled_on", "入户特办须上门评定，并预约上门日期。",
                          field="scheduled_on")
    if application.channel == Channel.TOWNSHIP and place != AssessmentPlace.TOWNSHIP:
        raise DomainError("place", "就地简办在乡镇（街道）评定。", field="place")
    if place not in AssessmentPlace.values:
        raise DomainError("place", "请选择评定地点。", field="place")
    if not institution.strip():
        raise DomainError("institution", "请填写评定机构。", field="institution")
    if application.assessments.filter(result=AssessmentResult.PENDING).exists():
        raise DomainError("assigned", "该申请已指派评定，正在等待评定结论。")
    _claim(application, expected_version)
    assessment = Assessment.objects.create(
        application=application, assessor=assessor, institution=institution.strip(),
        place=place, scheduled_on=scheduled_on, assigned_by=actor, assigned_at=timezone.now())
    _record(application, actor, outcome=StepOutcome.ASSIGNED,
            note=f"指派 {assessor.name}（{institution.strip()}）")
    _save(application)
    _audit(actor, application, "指派评定", request, {"assessor": assessor.username})
    when = f"，上门日期 {scheduled_on:%Y年%m月%d日}" if scheduled_on else ""
    _notify(application, "已安排残疾评定",
            f"您的申请（{application.reference}）已安排在{assessment.get_place_display()}评定"
            f"（{assessment.institution}）{when}。")
    return assessment


def _assessed_grade(category: int | None, grade: int | None,
                    components: Sequence[dict[str, int]]) -> tuple[int, int, list[dict[str, int]]]:
    if category not in Category.values:
        raise DomainError("category", "请选择残疾类别。", field="category")
    if category != Category.MULTIPLE:
        if grade not in (1, 2, 3, 4):
            raise DomainError("grade", "请选择残疾等级。", field="grade")
        return category, grade, []
    parts = [{"category": int(c["category"]), "grade": int(c["grade"])} for c in components]
    kinds = {p["category"] for p in parts}
    if len(parts) < 2 or len(kinds) != len(parts) or Category.MULTIPLE in kinds or \
            not kinds <= set(Category.values):
        raise DomainError("components", "多重残疾须填写两个或以上不同类别及各自等级。",
                          field="components")
    try:
        most_severe = multiple_disability_grade(p["grade"] for p in parts)
    except ValueError:
        raise DomainError("components", "各类别的等级应为一级至四级。",
                          field="components") from None
    if grade is not None and grade != most_severe:
        raise DomainError("grade", "多重残疾的等级应为各类别中最重的等级（管理办法第十三条）。",
                          field="grade")
    return category, most_severe, parts


@transaction.atomic
def assessment_record(*, actor: User, assessment: Assessment, result: str,
                      category: int | None = None, grade: int | None = None,
                      components: Sequence[dict[str, int]] = (), note: str = "",
                      expected_version: int | None = None, request: HttpRequest | None = None,
                      today: date | None = None) -> Assessment:
    """The assessor's conclusion: category, grade, and for 多重残疾 each component's grade (the
    certificate grade is the most severe, DOMAIN.md §0.1). Not qualified ends the application."""
    today = _today(today)
    application = assessment.application
    _check_version(application, expected_version)
    if not can_record_assessment(actor, assessment):
        raise DomainError("forbidden", "只有被指派的评残医生可以录入该评定结论，且只能录入一次。")
    if result == AssessmentResult.NOT_QUALIFIED:
        if not note.strip():
            raise DomainError("note", "不符合残疾标准时请填写评定意见（理由）。", field="note")
        values: tuple[int | None, int | None, list[dict[str, int]]] = (None, None, [])
    elif result == AssessmentResult.QUALIFIED:
        values = _assessed_grade(category, grade, components)
    else:
        raise DomainError("result", "请选择评定结论。", field="result")
    _claim(application, expected_version)
    assessment.result = result
    assessment.category, assessment.grade, assessment.components = values
    assessment.note = note.strip()[:500]
    assessment.assessed_at = timezone.now()
    assessment.save()
    _record(application, actor, in_person=assessment.place != AssessmentPlace.HOME,
            note=assessment.get_result_display())
    if result == AssessmentResult.NOT_QUALIFIED:
        application.reject_reason = f"评定不符合残疾标准：{assessment.note}"
        _finish(application, Status.REJECTED)
        _save(application, "reject_reason")
        _audit(actor, application, "评定：不符合残疾标准", request)
        _notify(application, "评定结论：不符合残疾标准",
                f"您的申请（{application.reference}）经评定不符合残疾标准：{assessment.note}。"
                f"如有异议，可在 {workflow.OBJECTION_WINDOW_DAYS} 个工作日内向市残联提出。")
        return assessment
    _advance(application, today)
    _save(application)
    _audit(actor, application, "录入评定结论", request,
           {"category": values[0], "grade": values[1]})
    _notify(application, "评定结论已出",
            f"您的申请（{application.reference}）评定为{CATEGORY_LABELS[values[0] or 1]}"
            f"{GRADE_LABELS[values[1] or 1]}，"
            f"将在村（社区）公示 {workflow.DEADLINE_DAYS[Step.PUBLICIZE]} 个工作日。")
    return assessment


def latest_assessment(application: Application) -> Assessment | None:
    return application.assessments.filter(result=AssessmentResult.QUALIFIED).order_by(
        "-assessed_at", "-id").first()


# ------------------------------------------------------------------ publicity and objections


@transaction.atomic
def publicity_complete(*, actor: User, application: Application,
                       expected_version: int | None = None, request: HttpRequest | None = None,
                       today: date | None = None) -> Application:
    """公示 ends after 5 working days in the village without objection (管理办法第九条)."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.PUBLICIZE)
    _require_actor(actor, application, Step.PUBLICIZE)
    if application.step_due_on and today < application.step_due_on:
        raise DomainError("publicity_running",
                          f"公示期未满（{application.step_due_on:%Y年%m月%d日} 期满），"
                          "不能结束公示。")
    _claim(application, expected_version)
    _record(application, actor, note="公示期满无异议")
    _advance(application, today)
    _save(application)
    _audit(actor, application, "公示期满", request)
    return application


def objection_deadline(application: Application) -> date | None:
    """The last day an objection is accepted: 10 working days after the assessment
    conclusion (管理办法第二十五条)."""
    assessment = latest_assessment(application)
    if assessment is None or assessment.assessed_at is None:
        return None
    return add_working_days(timezone.localtime(assessment.assessed_at).date(),
                            workflow.OBJECTION_WINDOW_DAYS)


@transaction.atomic
def objection_record(*, actor: User, application: Application, note: str,
                     expected_version: int | None = None, request: HttpRequest | None = None,
                     today: date | None = None) -> Application:
    """An objection to the assessment within 10 working days starts a re-assessment."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.PUBLICIZE, Step.REVIEW, Step.PRODUCE)
    _require_actor(actor, application, Step.PUBLICIZE)
    last_day = objection_deadline(application)
    if last_day is None:
        raise DomainError("no_assessment", "该申请没有评定结论，无异议可提。")
    if today > last_day:
        raise DomainError("objection_late",
                          f"异议须在评定结论后 {workflow.OBJECTION_WINDOW_DAYS} 个工作日内提出"
                          f"（截至 {last_day:%Y年%m月%d日}），已逾期。")
    if not note.strip():
        raise DomainError("note", "请记录异议内容。", field="note")
    _claim(application, expected_version)
    _record(application, actor, outcome=StepOutcome.OBJECTION, note=note)
    _start(application, Step.ASSESS, today)
    _save(application)
    _audit(actor, application, "记录异议，重新评定", request)
    _notify(application, "已受理异议",
            f"对您申请（{application.reference}）评定结论的异议已记录，将重新评定。")
    return application


# ------------------------------------------------------------------ review, reject


@transaction.atomic
def review_approve(*, actor: User, application: Application, note: str = "",
                   expected_version: int | None = None, request: HttpRequest | None = None,
                   today: date | None = None) -> Application:
    """县残联审核 (within 10 working days, 管理办法第九条)."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.REVIEW)
    _require_actor(actor, application, Step.REVIEW)
    _require_independent_reviewer(actor, application)
    _claim(application, expected_version)
    _record(application, actor, note=note or "审核通过")
    _advance(application, today)
    _save(application)
    _audit(actor, application, "县残联审核通过", request)
    return application


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str,
                       expected_version: int | None = None, request: HttpRequest | None = None,
                       today: date | None = None) -> Application:
    """Refuse at acceptance or review; a reason is required and is sent to the applicant."""
    _check_version(application, expected_version)
    _require_step(application, Step.ACCEPT, Step.REVIEW)
    _require_actor(actor, application, application.step)
    if application.step == Step.REVIEW:
        _require_independent_reviewer(actor, application)
    if not reason.strip():
        raise DomainError("reason", "请填写不予通过的原因。", field="reason")
    _claim(application, expected_version)
    _record(application, actor, outcome=StepOutcome.REJECTED, note=reason)
    application.reject_reason = reason.strip()[:300]
    _finish(application, Status.REJECTED)
    _save(application, "reject_reason")
    _audit(actor, application, "不予通过", request, {"reason": application.reject_reason})
    _notify(application, "申请未通过",
            f"您的申请（{application.reference}）未通过，原因：{application.reject_reason}")
    return application


# ------------------------------------------------------------------ produce, issue, close


def _planned_certificate(application: Application, today: date) -> dict[str, Any]:
    """The card to print (DOMAIN.md §2.1): number = ID + category + grade [+ B#]."""
    person = application.person
    if application.type in workflow.NEEDS_ASSESSMENT:
        assessment = latest_assessment(application)
        if assessment is None:
            raise DomainError("no_assessment", "没有评定结论，不能制证。")
        category, grade = assessment.category or 0, assessment.grade or 0
        return {
            "certificate_number": build_certificate_number(
                id_number=application.id_number, category=category, grade=grade),
            "certificate_category": category, "certificate_grade": grade,
            "certificate_components": [p["category"] for p in assessment.components],
            "certificate_issued_on": today,
            "certificate_valid_until": certificate_valid_until(today),
        }
    if person is None or not person.certificate_number:
        raise DomainError("no_certificate", "该人员没有残疾人证。")
    current = parse_certificate_number(person.certificate_number)
    values = {
        "certificate_category": int(current.category), "certificate_grade": current.grade,
        "certificate_components": list(person.components),
    }
    if application.type == T.REPLACEMENT:
        # 补发: the original 20 characters + B1, B2 … ; the lost card is cancelled.
        if current.reissue >= 9:
            raise DomainError("reissue", "补发次数已达 9 次上限，请联系省残联处理。")
        values["certificate_number"] = build_certificate_number(
            id_number=application.id_number, category=int(current.category),
            grade=current.grade, reissue=current.reissue + 1)
        values["certificate_issued_on"] = person.certificate_issued_on
        values["certificate_valid_until"] = person.certificate_valid_until
    elif application.renewal_reason == RenewalReason.DAMAGE:
        # 管理办法第二十一条: a damaged card is exchanged with identical data.
        values["certificate_number"] = person.certificate_number
        values["certificate_issued_on"] = person.certificate_issued_on
        values["certificate_valid_until"] = person.certificate_valid_until
    else:  # 换领 on expiry: same number, a new 10-year validity (管理办法第十九条)
        values["certificate_number"] = person.certificate_number
        values["certificate_issued_on"] = today
        values["certificate_valid_until"] = certificate_valid_until(today)
    return values


@transaction.atomic
def certificate_produce(*, actor: User, application: Application,
                        expected_version: int | None = None, request: HttpRequest | None = None,
                        today: date | None = None) -> Application:
    """制证: fix the number and dates of the card to print."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.PRODUCE)
    _require_actor(actor, application, Step.PRODUCE)
    planned = _planned_certificate(application, today)
    _claim(application, expected_version)
    if application.person is not None and application.person.certificate_number and \
            not application.previous_certificate_number:
        application.previous_certificate_number = application.person.certificate_number
    for name, value in planned.items():
        setattr(application, name, value)
    _record(application, actor, note="制证完成")
    _advance(application, today)
    _save(application, "previous_certificate_number", *planned)
    _audit(actor, application, "制证", request,
           {"certificate_number": audit.MASKED_FIELDS["certificate_number"](
               application.certificate_number)})
    where = "乡镇（街道）残联" if application.channel == Channel.TOWNSHIP else "县残联"
    if application.channel == Channel.HOME:
        where = "工作人员上门"
    _notify(application, "残疾人证已制作",
            f"您的残疾人证（{application.reference}）已制作完成，将由{where}发放。")
    return application


def _summary(application: Application) -> str:
    return f"证件办理{application.get_type_display()}（{application.reference}）"


@transaction.atomic
def certificate_issue(*, actor: User, application: Application, in_person: bool | None = None,
                      expected_version: int | None = None, request: HttpRequest | None = None,
                      today: date | None = None) -> Application:
    """发放: the card is handed over and the registry updated (管理办法第二十二条), with history."""
    _check_version(application, expected_version)
    _require_step(application, Step.ISSUE)
    _require_actor(actor, application, Step.ISSUE)
    if application.person is None:
        raise DomainError("no_person", "残疾人基础库中没有该人员。")
    _claim(application, expected_version)
    registry_services.person_certificate_set(
        actor=actor, person=application.person, summary=_summary(application), request=request,
        changes={
            "category": application.certificate_category,
            "grade": application.certificate_grade,
            "components": application.certificate_components,
            "certificate_number": application.certificate_number,
            "certificate_issued_on": application.certificate_issued_on,
            "certificate_valid_until": application.certificate_valid_until,
            "certificate_status": CertificateStatus.VALID,
            "certificate_cancel_reason": "",
        })
    came = workflow.default_in_person(application, Step.ISSUE) if in_person is None else in_person
    _record(application, actor, in_person=came, note="已发放")
    _finish(application, Status.ISSUED)
    _save(application)
    _audit(actor, application, "发放残疾人证", request)
    extra = "原证（遗失）已作废。" if application.type == T.REPLACEMENT else ""
    _notify(application, "已发证", f"您的残疾人证（{application.reference}）已发放。{extra}")
    return application


def _closing_changes(application: Application, today: date) -> dict[str, Any]:
    if application.type == T.CANCELLATION:
        return {"certificate_status": CertificateStatus.CANCELLED,
                "certificate_cancel_reason": application.cancel_reason}
    if application.type == T.TRANSFER_OUT:
        return {"living_status": LivingStatus.MOVED_OUT, "living_status_on": today}
    info = parse_certificate_number(application.previous_certificate_number)
    valid_until = application.certificate_valid_until
    return {  # 迁入: the card from the previous county, hukou now here
        "region_id": application.region_id, "living_status": LivingStatus.ALIVE,
        "living_status_on": None, "category": int(info.category), "grade": info.grade,
        "certificate_number": info.number,
        "certificate_status": (CertificateStatus.EXPIRED if valid_until and valid_until < today
                               else CertificateStatus.VALID),
        "certificate_valid_until": valid_until, "certificate_cancel_reason": "",
    }


@transaction.atomic
def application_close(*, actor: User, application: Application,
                      expected_version: int | None = None, request: HttpRequest | None = None,
                      today: date | None = None) -> Application:
    """办结 of 迁入, 迁出 and 注销: the registry changes accordingly."""
    today = _today(today)
    _check_version(application, expected_version)
    _require_step(application, Step.CLOSE)
    _require_actor(actor, application, Step.CLOSE)
    if application.person is None:
        raise DomainError("no_person", "残疾人基础库中没有该人员。")
    changes = _closing_changes(application, today)
    _claim(application, expected_version)
    registry_services.person_certificate_set(actor=actor, person=application.person,
                                             changes=changes, summary=_summary(application),
                                             request=request)
    _record(application, actor, note="办结")
    _finish(application, Status.CLOSED)
    _save(application)
    _audit(actor, application, f"{application.get_type_display()}办结", request)
    _notify(application, "已办结",
            f"您的{application.get_type_display()}申请（{application.reference}）已办结。")
    return application


@transaction.atomic
def application_forward(*, actor: User, application: Application, note: str = "",
                        expected_version: int | None = None, request: HttpRequest | None = None,
                        today: date | None = None) -> Application:
    """跨省通办: push an application accepted here to the county of the hukou (3 working days)."""
    _check_version(application, expected_version)
    _require_step(application, Step.FORWARD)
    _require_actor(actor, application, Step.FORWARD)
    _claim(application, expected_version)
    _record(application, actor, note=note or f"已推送至{application.other_place}")
    _finish(application, Status.FORWARDED)
    _save(application)
    _audit(actor, application, "跨省通办推送户籍地", request)
    _notify(application, "已转户籍地办理",
            f"您的申请（{application.reference}）已推送至{application.other_place}残联办理。")
    return application


# ------------------------------------------------------------------ documents


def _sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC.items():
        if head.startswith(magic):
            return content_type
    return None


def private_root() -> Path:
    """Uploads live under MEDIA_ROOT/private, which no URL serves; downloads go through a view
    that checks the reader's permission."""
    return Path(settings.MEDIA_ROOT) / "private" / "certificates"


@transaction.atomic
def document_upload(*, actor: User, application: Application, kind: str, name: str,
                    content: bytes, request: HttpRequest | None = None) -> ApplicationDocument:
    """Store a photo or document: JPEG, PNG or PDF by its content (magic bytes), ≤ 5 MB."""
    if kind not in DocumentKind.values:
        raise DomainError("kind", "请选择材料类型。", field="kind")
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError("file", "文件超过 5 MB，请压缩后再上传。", field="file")
    content_type = _sniff(content[:8])
    if content_type is None:
        raise DomainError("file", "只能上传 JPG、PNG 图片或 PDF 文件。", field="file")
    if not application.is_open:
        raise DomainError("closed", "该申请已办结，不能再上传材料。")
    folder = private_root() / str(application.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}"
    path.write_bytes(content)
    document = ApplicationDocument.objects.create(
        application=application, kind=kind, path=str(path.relative_to(settings.MEDIA_ROOT)),
        original_name=Path(name).name[:200] or "upload", content_type=content_type,
        size=len(content), uploaded_by=actor, uploaded_at=timezone.now())
    _audit(actor, application, f"上传材料：{document.get_kind_display()}", request,
           action=AuditAction.CREATE)
    return document


def document_path(document: ApplicationDocument) -> Path:
    return Path(settings.MEDIA_ROOT) / document.path


# ------------------------------------------------------------------ expiry campaign


@transaction.atomic
def renewals_open(*, actor: User, person_ids: Sequence[int], request: HttpRequest | None = None,
                  today: date | None = None) -> list[Application]:
    """One action for the expiry campaign: a 换领 (expiry) application for each selected person
    whose certificate is still valid and who has no application in progress (set-based)."""
    today = _today(today)
    channel = Channel.TOWNSHIP if actor.role == Role.TOWNSHIP_STAFF else Channel.WINDOW
    if actor.role not in (Role.COUNTY_STAFF, Role.TOWNSHIP_STAFF):
        raise DomainError("forbidden", "您的角色不能发起换领申请。")
    busy = Application.objects.filter(status__in=OPEN_STATUSES).values("id_number_index")
    persons = list(Person.objects.visible_to(actor).filter(
        pk__in=list(person_ids), certificate_status=CertificateStatus.VALID,
        living_status=LivingStatus.ALIVE).exclude(id_number_index__in=busy))
    if not persons:
        return []
    now = timezone.now()
    due = add_working_days(today, workflow.DEADLINE_DAYS[Step.ACCEPT])
    created = Application.objects.bulk_create([
        Application(type=T.RENEWAL, channel=channel, person=p, name=p.name,
                    id_number=p.id_number, id_number_index=p.id_number_index,
                    region_id=p.region_id, phone=p.phone, renewal_reason=RenewalReason.EXPIRY,
                    note="有效期满换领（到期提醒批量发起）", submitted_by=actor, submitted_at=now,
                    status=Status.SUBMITTED, step=Step.ACCEPT, step_started_on=today,
                    step_due_on=due)
        for p in persons])
    ApplicationStep.objects.bulk_create([
        ApplicationStep(application=a, step=Step.SUBMIT, started_on=today, done_at=now,
                        done_by=actor, note="到期提醒批量发起") for a in created])
    audit_rows = [AuditEvent(
        actor=actor, actor_username=actor.username, action=AuditAction.CREATE,
        object_type="certificates.application", object_id=str(a.pk), region_code=a.region_id,
        summary="到期换领：批量发起换领申请", ip_address=audit.client_ip(request))
        for a in created]
    AuditEvent.objects.bulk_create(audit_rows)
    residents = dict(User.objects.filter(
        role=Role.RESIDENT, is_active=True,
        id_number_index__in=[a.id_number_index for a in created]).values_list(
        "id_number_index", "pk"))
    Notice.objects.bulk_create([
        Notice(recipient_id=residents[a.id_number_index], application=a, title="残疾人证即将到期",
               body=f"您的残疾人证即将到期，县残联已为您发起换领申请（{a.reference}）。",
               created_at=now)
        for a in created if a.id_number_index in residents])
    return created


def within_expiry_window(valid_until: date | None, today: date, days: int = 90) -> bool:
    return valid_until is not None and today <= valid_until <= today + timedelta(days=days)


@transaction.atomic
def travel_assumption_set(*, actor: User, region: Region, days_per_trip: Any,
                          cost_per_trip_amount: Any,
                          request: HttpRequest | None = None) -> TravelAssumption:
    """Set what one trip to the county costs applicants of a township (or the county default)."""
    if actor.role != Role.COUNTY_STAFF or not in_jurisdiction(actor, region.code):
        raise DomainError("forbidden", "只有县残联工作人员可以设置往返成本。")
    if region.level not in (RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
        raise DomainError("region", "请选择乡镇（街道）或全县。", field="region")
    before = TravelAssumption.objects.filter(region=region).first()
    row, _ = TravelAssumption.objects.update_or_create(
        region=region, defaults={"days_per_trip": days_per_trip,
                                 "cost_per_trip_amount": cost_per_trip_amount,
                                 "updated_by": actor})
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=row,
                       region_code=region.code, summary="设置往返成本假设",
                       changes={"days_per_trip": [str(before.days_per_trip) if before else None,
                                                  str(days_per_trip)],
                                "cost_per_trip_amount": [
                                    str(before.cost_per_trip_amount) if before else None,
                                    str(cost_per_trip_amount)]},
                       request=request)
    return row


def notices_mark_read(*, actor: User, notice_ids: Sequence[int]) -> int:
    """The resident has seen these notices (their own only)."""
    return Notice.objects.filter(recipient=actor, pk__in=list(notice_ids),
                                 read_at__isnull=True).update(read_at=timezone.now())
