"""Acting on findings: confirm (the change goes through the registry and benefits services,
audited), dismiss with a reason, accept or reject a near-match candidate.

Nothing changes the registry or an enrolment without a person confirming; a county_admin may
confirm a whole class of exact matches at once (issue #8 §3), which is the same per-finding
confirmation, each audited. Registry changes (death, moving out, household status periods) go
through the registry's own services, which write the history and audit rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from canlian.benefits.enrolments import enrolment_stop
from canlian.benefits.models import Enrolment, EnrolmentStatus
from canlian.benefits.months import add_months, month_start
from canlian.benefits.payroll import overpayments_detect
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.exports import rows_in_chunks
from canlian.core.models import AuditAction, User
from canlian.core.permissions import in_jurisdiction
from canlian.crosscheck.findings import findings_refresh
from canlian.crosscheck.models import (
    CandidateStatus,
    DatasetRow,
    Finding,
    FindingKind,
    FindingStatus,
    MatchCandidate,
    MatchQuality,
    StatusKind,
)
from canlian.crosscheck.permissions import can_confirm, can_confirm_class
from canlian.crosscheck.policies import status_policies
from canlian.registry.models import LivingStatus, Person
from canlian.registry.services import (
    household_status_close,
    household_status_open,
    person_living_status_set,
)

STATUS_LABELS = dict(StatusKind.choices)


def _day(value: object) -> date:
    return date.fromisoformat(str(value)[:10])


# ------------------------------------------------------------------ what each kind applies

def _stop(actor: User, enrolment: Enrolment, month: date, reason: str) -> str:
    if enrolment.start_month and month < enrolment.start_month:
        month = enrolment.start_month
    enrolment_stop(actor=actor, enrolment=enrolment, expected_version=enrolment.version,
                   reason=reason, effective_month=month)
    return f"{enrolment.policy.name}自{month:%Y年%m月}起停发"


def _enrolment(finding: Finding) -> Enrolment:
    enrolment = (Enrolment.objects.select_related("policy")
                 .filter(pk=finding.detail.get("enrolment")).first())
    if enrolment is None or enrolment.person_id != finding.person_id:
        raise DomainError("no_enrolment", "该补贴享受记录已不存在。")
    return enrolment


def _living(actor: User, finding: Finding, status: str, request: HttpRequest | None) -> str:
    on = _day(finding.detail["event_on"])
    word = "死亡" if status == LivingStatus.DECEASED else "户籍迁出"
    person_living_status_set(actor=actor, person=_person(finding), status=status, on_date=on,
                             summary=f"数据比对：登记{word}（{finding.dataset.source}）",
                             request=request)
    return f"基础库已登记{word}，日期 {on:%Y年%m月%d日}"


def _person(finding: Finding) -> Person:
    if finding.person_id is None:
        raise DomainError("no_person", "该发现没有对应的基础库人员。")
    return Person.objects.get(pk=finding.person_id)


def _apply_deceased_alive(actor: User, f: Finding, request: HttpRequest | None) -> str:
    return _living(actor, f, LivingStatus.DECEASED, request)


def _apply_moved_out(actor: User, f: Finding, request: HttpRequest | None) -> str:
    return _living(actor, f, LivingStatus.MOVED_OUT, request)


def _apply_event_enrolled(actor: User, f: Finding, request: HttpRequest | None) -> str:
    on = _day(f.detail["event_on"])
    word = "死亡" if f.kind == FindingKind.DECEASED_ENROLLED else "户籍迁出"
    # DOMAIN.md §0.3: payment stops from the month after death or the hukou move.
    return _stop(actor, _enrolment(f), add_months(month_start(on), 1),
                 f"数据比对：{on:%Y年%m月%d日}{word}")


def _apply_paid_after_death(actor: User, f: Finding, request: HttpRequest | None) -> str:
    person = _person(f)
    if person.living_status != LivingStatus.DECEASED:
        raise DomainError("not_deceased", "请先确认该人员的死亡登记（“已死亡但基础库未标记”），"
                                          "再登记追回。")
    count = overpayments_detect(actor=actor, person_ids=[person.pk])
    return f"已登记应追回发放 {count} 笔" if count else "没有新的应追回发放"


def _apply_status_start(actor: User, f: Finding, request: HttpRequest | None) -> str:
    d = f.detail
    start = _day(d["start_month"])
    end = _day(d["end_month"]) if d.get("end_month") else None
    household_status_open(actor=actor, person=_person(f), kind=d["status"], start_month=start,
                          end_month=end, note=f"数据比对：{f.dataset.source}", request=request)
    return f"已登记{STATUS_LABELS[d['status']]}期间，自{start:%Y年%m月}起"


def _apply_status_end(actor: User, f: Finding, request: HttpRequest | None) -> str:
    d = f.detail
    end = _day(d["end_month"])
    person = _person(f)
    household_status_close(actor=actor, person=person, kind=d["status"], end_month=end,
                           request=request)
    done = [f"{STATUS_LABELS[d['status']]}期间截至{end:%Y年%m月}"]
    # Policies that need the status (living allowance needs 低保) stop the month after.
    required = status_policies().requires.get(d["status"], set())
    enrolments = (Enrolment.objects.select_related("policy")
                  .filter(person=person, policy_id__in=required, status__in=[
                      EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED])
                  .filter(Q(end_month__isnull=True) | Q(end_month__gt=end)))
    for enrolment in enrolments:
        done.append(_stop(actor, enrolment, add_months(end, 1),
                          f"数据比对：{end:%Y年%m月}退出{STATUS_LABELS[d['status']]}"))
    return "；".join(done)


def _apply_status_excludes(actor: User, f: Finding, request: HttpRequest | None) -> str:
    d = f.detail
    start = _day(d["start_month"])
    # DOMAIN.md §0.3: neither subsidy for a month supported as 特困 / 工伤护理费; orphans no
    # living allowance.
    return _stop(actor, _enrolment(f), start,
                 f"数据比对：享受{STATUS_LABELS[d['status']]}（自{start:%Y年%m月}）")


def _apply_mental(actor: User, f: Finding, request: HttpRequest | None) -> str:
    return "已列入上门评残名单"


def _apply_name(actor: User, f: Finding, request: HttpRequest | None) -> str:
    return "已核实姓名差异（如需更正请在基础库中修改）"


Applier = Callable[[User, Finding, HttpRequest | None], str]
APPLIERS: dict[str, Applier] = {
    FindingKind.DECEASED_ALIVE: _apply_deceased_alive,
    FindingKind.DECEASED_ENROLLED: _apply_event_enrolled,
    FindingKind.PAID_AFTER_DEATH: _apply_paid_after_death,
    FindingKind.MOVED_OUT: _apply_moved_out,
    FindingKind.MOVED_ENROLLED: _apply_event_enrolled,
    FindingKind.STATUS_START: _apply_status_start,
    FindingKind.STATUS_END: _apply_status_end,
    FindingKind.STATUS_EXCLUDES: _apply_status_excludes,
    FindingKind.MENTAL_UNCERTIFIED: _apply_mental,
    FindingKind.NAME_MISMATCH: _apply_name,
}


def _open_for(actor: User, finding: Finding) -> Finding:
    locked = (Finding.objects.select_for_update().select_related("dataset")
              .get(pk=finding.pk))
    if not in_jurisdiction(actor, locked.region_code):
        raise DomainError("jurisdiction", "该发现不在您的管辖范围内。")
    if locked.status != FindingStatus.OPEN:
        raise DomainError("not_open", "该发现已处理，无需再次处理。")
    return locked


@transaction.atomic
def finding_confirm(*, actor: User, finding: Finding, note: str = "",
                    request: HttpRequest | None = None) -> Finding:
    """Apply the finding's proposed action through the owning services, then close it."""
    if not can_confirm(actor):
        raise DomainError("wrong_role", "您的角色不能确认比对发现。")
    locked = _open_for(actor, finding)
    applied = APPLIERS[locked.kind](actor, locked, request)
    locked.status, locked.decided_by, locked.decided_at = (FindingStatus.CONFIRMED, actor,
                                                           timezone.now())
    locked.decision_note = (f"{applied}。{note.strip()}" if note.strip() else applied)[:300]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary=f"确认比对发现：{locked.get_kind_display()}",
                       changes={"status": [FindingStatus.OPEN, FindingStatus.CONFIRMED],
                                "applied": applied}, request=request)
    return locked


@transaction.atomic
def finding_dismiss(*, actor: User, finding: Finding, reason: str,
                    request: HttpRequest | None = None) -> Finding:
    """排除: the finding is wrong (e.g. the department's record is wrong); nothing changes."""
    if not can_confirm(actor):
        raise DomainError("wrong_role", "您的角色不能处理比对发现。")
    if not reason.strip():
        raise DomainError("reason_required", "排除须填写理由。", field="reason")
    locked = _open_for(actor, finding)
    locked.status, locked.decided_by, locked.decided_at = (FindingStatus.DISMISSED, actor,
                                                           timezone.now())
    locked.decision_note = reason.strip()[:300]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary=f"排除比对发现：{locked.get_kind_display()}",
                       changes={"status": [FindingStatus.OPEN, FindingStatus.DISMISSED],
                                "reason": locked.decision_note}, request=request)
    return locked


@dataclass
class ClassOutcome:
    confirmed: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def findings_confirm_class(*, actor: User, kind: str, dataset_id: int | None = None,
                           request: HttpRequest | None = None,
                           on_start: Callable[[int], None] | None = None,
                           on_progress: Callable[[int], None] | None = None) -> ClassOutcome:
    """Confirm every open exact-match finding of `kind` in the actor's jurisdiction, each
    through `finding_confirm` (its own transaction and audit row); refusals are reported."""
    if not can_confirm_class(actor):
        raise DomainError("wrong_role", "只有系统管理员可以按类别批量确认。")
    if kind not in FindingKind.values:
        raise DomainError("kind", "未知的发现类型。")
    findings = Finding.objects.visible_to(actor).filter(kind=kind, status=FindingStatus.OPEN,
                                                        match=MatchQuality.EXACT)
    if dataset_id is not None:
        findings = findings.filter(dataset_id=dataset_id)
    outcome = ClassOutcome()
    if on_start is not None:
        on_start(findings.count())
    for done, finding in enumerate(rows_in_chunks(findings.order_by("pk")), start=1):
        try:
            finding_confirm(actor=actor, finding=finding, note="按类别批量确认",
                            request=request)
            outcome.confirmed += 1
        except DomainError as error:
            outcome.failed.append((finding.pk, error.message))
        if on_progress is not None and done % 100 == 0:
            on_progress(done)
    with transaction.atomic():
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, object_type="crosscheck.finding",
                           region_code=actor.region_id,
                           summary=f"按类别批量确认：{FindingKind(kind).label} "
                                   f"{outcome.confirmed} 条，未能处理 {len(outcome.failed)} 条",
                           changes={"kind": kind, "dataset": dataset_id,
                                    "confirmed": outcome.confirmed,
                                    "failed": len(outcome.failed)}, request=request)
    return outcome


# ------------------------------------------------------------------ near-match candidates

def _open_candidate(actor: User, candidate: MatchCandidate) -> MatchCandidate:
    if not can_confirm(actor):
        raise DomainError("wrong_role", "您的角色不能处理疑似匹配。")
    locked = (MatchCandidate.objects.select_for_update().select_related("row__dataset", "person")
              .get(pk=candidate.pk))
    if not in_jurisdiction(actor, locked.region_code):
        raise DomainError("jurisdiction", "该人员不在您的管辖范围内。")
    if locked.status != CandidateStatus.OPEN:
        raise DomainError("not_open", "该疑似匹配已处理。")
    return locked


@transaction.atomic
def candidate_accept(*, actor: User, candidate: MatchCandidate,
                     request: HttpRequest | None = None) -> MatchCandidate:
    """Same person: the row is matched (as 疑似录入错误) and its findings are produced."""
    locked = _open_candidate(actor, candidate)
    row = DatasetRow.objects.select_for_update().get(pk=locked.row_id)
    if row.person_id is not None:
        raise DomainError("matched", "该行已与基础库人员匹配。")
    other = DatasetRow.objects.filter(dataset_id=row.dataset_id, person_id=locked.person_id)
    if other.exists():
        raise DomainError("taken", "该人员已与本数据中的另一行匹配，不能重复匹配。")
    row.person_id, row.match = locked.person_id, MatchQuality.NEAR
    row.save(update_fields=["person", "match"])
    now = timezone.now()
    locked.status, locked.decided_by, locked.decided_at = CandidateStatus.ACCEPTED, actor, now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    MatchCandidate.objects.filter(row=row, status=CandidateStatus.OPEN).update(
        status=CandidateStatus.REJECTED, decided_by=actor, decided_at=now)
    added = findings_refresh(locked.row.dataset)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary="确认疑似匹配为同一人",
                       changes={"row": row.row_number, "reason": locked.reason,
                                "findings": sum(added.values())}, request=request)
    return locked


@transaction.atomic
def candidate_reject(*, actor: User, candidate: MatchCandidate,
                     request: HttpRequest | None = None) -> MatchCandidate:
    locked = _open_candidate(actor, candidate)
    locked.status, locked.decided_by, locked.decided_at = (CandidateStatus.REJECTED, actor,
                                                           timezone.now())
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary="排除疑似匹配", changes={"row": locked.row.row_number},
                       request=request)
    return locked
