"""Enrolment workflow: application → the policy's review steps → enrolled; suspension and stop.

The review chain is data (Policy.review_steps, e.g. 乡镇初审 → 县残联审核 → 民政审定 for the two
subsidies, DOMAIN.md §3.2). Each transition checks the role and the allowed step, stamps who and
when (EnrolmentStep), writes the audit row and bumps `version` with a conditional UPDATE, so two
people acting on the same application at once cannot both succeed.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from canlian.benefits import permissions
from canlian.benefits.catalog import current_rule
from canlian.benefits.models import (
    Enrolment,
    EnrolmentStatus,
    EnrolmentStep,
    PaymentPeriod,
    Policy,
    ReviewStep,
    StartRule,
)
from canlian.benefits.months import add_months, month_start, this_month
from canlian.benefits.rules import facts_for
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.registry.models import Person

STEP_LABELS = dict(ReviewStep.choices)


def _stamp(enrolment: Enrolment, *, actor: User, action: str, approved: bool = True,
           note: str = "", effective_month: date | None = None) -> None:
    EnrolmentStep.objects.create(enrolment=enrolment, actor=actor, action=action,
                                 approved=approved, note=note[:300],
                                 effective_month=effective_month)


def _advance(enrolment: Enrolment, *, expected_version: int, **changes: object) -> None:
    """Apply `changes` only if nobody changed the enrolment since it was read."""
    updated = Enrolment.objects.filter(pk=enrolment.pk, version=expected_version).update(
        version=F("version") + 1, **changes)
    if not updated:
        raise DomainError("conflict", "该申请已被他人处理，请刷新页面后查看最新状态。")
    enrolment.refresh_from_db()


@transaction.atomic
def enrolment_apply(*, actor: User, person: Person, policy: Policy, applied_month: date,
                    for_ward: bool = False, channel: str = "staff",
                    note: str = "") -> Enrolment:
    """Register an application (by staff, or from the portal for self or a ward).

    Refused when the person does not meet the rule in the application month (the message is
    the failing clause), or already has an open application or enrolment for the policy.
    """
    applied_month = month_start(applied_month)
    if applied_month > this_month():
        raise DomainError("future_month", "申请月份不能晚于本月。", field="applied_month")
    if not policy.is_active:
        raise DomainError("inactive", "该政策已停用。", field="policy")
    if not person.region_id.startswith(policy.region.prefix):
        raise DomainError("out_of_area", "该政策不适用于此人的户籍地。", field="policy")
    verdict = current_rule(policy).evaluate(facts_for(person, applied_month))
    # 需核实 (a fact Canlian does not hold) is what the application itself verifies.
    if not verdict.ok and not verdict.to_verify:
        raise DomainError("not_eligible", f"不符合{policy.name}的条件：{verdict.summary()}",
                          field="policy")
    steps = list(policy.review_steps)
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                person=person, policy=policy, region_id=person.region_id,
                applied_month=applied_month, for_ward=for_ward, channel=channel,
                note=note[:200], applied_by=actor,
                next_step=steps[0] if steps else "")
    except IntegrityError:
        raise DomainError("already_open", f"此人已有{policy.name}的申请或正在享受，不能重复申请。",
                          field="policy") from None
    _stamp(enrolment, actor=actor, action="申请", note=note)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=enrolment,
                       summary=f"登记政策申请：{policy.name}")
    if not steps:
        _enrol(enrolment, actor=actor)
    return enrolment


def _start_month(enrolment: Enrolment) -> date:
    if enrolment.policy.start_rule == StartRule.NEXT_MONTH:
        return add_months(enrolment.applied_month, 1)
    return enrolment.applied_month


def _enrol(enrolment: Enrolment, *, actor: User) -> None:
    start = _start_month(enrolment)
    # A one-off grant is paid for a single month.
    end = start if enrolment.policy.period == PaymentPeriod.ONE_OFF else None
    _advance(enrolment, expected_version=enrolment.version, status=EnrolmentStatus.ENROLLED,
             next_step="", start_month=start, end_month=end, decided_at=timezone.now())
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                       summary=f"纳入享受：{enrolment.policy.name} 自{start:%Y年%m月}起")


@transaction.atomic
def enrolment_review(*, actor: User, enrolment: Enrolment, expected_version: int,
                     approve: bool, note: str = "") -> Enrolment:
    """Decide the pending step. A refusal needs a reason and ends the application."""
    step = enrolment.next_step
    if enrolment.status != EnrolmentStatus.PENDING or not step:
        raise DomainError("not_pending", "该申请不在审核中，无需再审核。")
    refusal = permissions.review_refusal(actor, enrolment)
    if refusal is not None:
        raise DomainError(*refusal)
    if not approve and not note.strip():
        raise DomainError("reason_required", "不予通过须填写理由。", field="note")
    label = STEP_LABELS[step]
    steps = list(enrolment.policy.review_steps)
    following = steps[steps.index(step) + 1:] if step in steps else []
    if not approve:
        _advance(enrolment, expected_version=expected_version, status=EnrolmentStatus.REJECTED,
                 next_step="", decided_at=timezone.now(), stop_reason=note.strip()[:200])
        _stamp(enrolment, actor=actor, action=label, approved=False, note=note)
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                           summary=f"{label}不予通过：{enrolment.policy.name}")
        return enrolment
    _advance(enrolment, expected_version=expected_version,
             next_step=following[0] if following else "")
    _stamp(enrolment, actor=actor, action=label, note=note)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                       summary=f"{label}通过：{enrolment.policy.name}")
    if not following:
        _enrol(enrolment, actor=actor)
    return enrolment


def _effective(month: date, enrolment: Enrolment) -> date:
    month = month_start(month)
    if enrolment.start_month and month < enrolment.start_month:
        raise DomainError("bad_month", "生效月份不能早于起始发放月份。", field="effective_month")
    return month


@transaction.atomic
def enrolment_stop(*, actor: User, enrolment: Enrolment, expected_version: int,
                   reason: str, effective_month: date) -> Enrolment:
    """停发 from `effective_month` (the first month not paid), with a reason."""
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED):
        raise DomainError("not_enrolled", "只有正在享受或暂停的才能停发。")
    if not permissions.can_manage_enrolment(actor):
        raise DomainError("wrong_role", "您的角色不能办理停发。")
    if not reason.strip():
        raise DomainError("reason_required", "停发须填写原因。", field="reason")
    month = _effective(effective_month, enrolment)
    _advance(enrolment, expected_version=expected_version, status=EnrolmentStatus.TERMINATED,
             end_month=add_months(month, -1), stop_reason=reason.strip()[:200])
    _stamp(enrolment, actor=actor, action="停发", note=reason, effective_month=month)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                       summary=f"停发：{enrolment.policy.name} 自{month:%Y年%m月}起")
    return enrolment


@transaction.atomic
def enrolment_suspend(*, actor: User, enrolment: Enrolment, expected_version: int,
                      reason: str) -> Enrolment:
    """暂停: not paid while suspended (e.g. awaiting the annual review)."""
    if enrolment.status != EnrolmentStatus.ENROLLED:
        raise DomainError("not_enrolled", "只有正在享受的才能暂停。")
    if not permissions.can_manage_enrolment(actor):
        raise DomainError("wrong_role", "您的角色不能办理暂停。")
    if not reason.strip():
        raise DomainError("reason_required", "暂停须填写原因。", field="reason")
    _advance(enrolment, expected_version=expected_version, status=EnrolmentStatus.SUSPENDED,
             stop_reason=reason.strip()[:200])
    _stamp(enrolment, actor=actor, action="暂停", note=reason)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                       summary=f"暂停发放：{enrolment.policy.name}")
    return enrolment


@transaction.atomic
def enrolment_resume(*, actor: User, enrolment: Enrolment, expected_version: int,
                     note: str = "") -> Enrolment:
    if enrolment.status != EnrolmentStatus.SUSPENDED:
        raise DomainError("not_suspended", "只有暂停发放的才能恢复。")
    if not permissions.can_manage_enrolment(actor):
        raise DomainError("wrong_role", "您的角色不能办理恢复发放。")
    _advance(enrolment, expected_version=expected_version, status=EnrolmentStatus.ENROLLED,
             stop_reason="")
    _stamp(enrolment, actor=actor, action="恢复发放", note=note)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                       summary=f"恢复发放：{enrolment.policy.name}")
    return enrolment
