"""Payroll (发放): one batch per policy and period, lines frozen when generated.

A line is written for every person enrolled and paid in the month (Enrolment.active_in) who is
still eligible under the rule in force, with the rate table's amount and a snapshot of the facts
used. Lines are inserted with INSERT … SELECT; the unique (person, policy, period) constraint
makes a second generation, or two at once, unable to duplicate a line. Months of earlier
batches that a late approval now covers are paid as 补发 (back-pay) lines in the new batch.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import JSONObject
from django.utils import timezone

from canlian.benefits import permissions
from canlian.benefits.amounts import amount_expression
from canlian.benefits.catalog import current_rule, current_rule_version
from canlian.benefits.eligibility import enrolled_in, scope_prefix
from canlian.benefits.models import (
    BatchStatus,
    LineStatus,
    Overpayment,
    PaymentAccount,
    PaymentPeriod,
    PayrollBatch,
    PayrollLine,
    Policy,
)
from canlian.benefits.months import add_months
from canlian.core import audit
from canlian.core.bulk import insert_from_select
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User
from canlian.registry.models import HouseholdStatus, LivingStatus, Person

BACKPAY_MONTHS = 24


def period_months(policy: Policy, period_start: date) -> list[date]:
    """The months one batch pays; the first month must open a period of the policy."""
    start = period_start.replace(day=1)
    if policy.period == PaymentPeriod.QUARTERLY:
        if start.month % 3 != 1:
            raise DomainError("bad_period", "按季度发放的政策，发放期须从 1、4、7、10 月开始。")
        return [start, add_months(start, 1), add_months(start, 2)]
    if policy.period == PaymentPeriod.ANNUAL and start.month != 1:
        raise DomainError("bad_period", "按年发放的政策，发放期须从 1 月开始。")
    return [start]


def _household_status(kind: str) -> Exists:
    return Exists(HouseholdStatus.objects.filter(household=OuterRef("household_id"), kind=kind))


def _facts_snapshot() -> JSONObject:
    """What the line was computed from, frozen with it."""
    return JSONObject(
        grade=F("grade"), category=F("category"), birth_date=F("birth_date"),
        living_status=F("living_status"), living_status_on=F("living_status_on"),
        certificate_status=F("certificate_status"),
        certificate_valid_until=F("certificate_valid_until"),
        needs_long_term_care=F("needs_long_term_care"), region=F("region_id"),
    )


def _sibling_pays_more(policy: Policy, month: date) -> Q:
    """择高: a person eligible and enrolled in a sibling policy of the same group that pays
    more (or the same, and was defined first) is paid by that sibling, not by this policy."""
    if not policy.exclusivity_group:
        return Q(pk__in=[])
    excluded = Q(pk__in=[])
    siblings = (Policy.objects.filter(exclusivity_group=policy.exclusivity_group,
                                      is_active=True).exclude(pk=policy.pk)
                .prefetch_related("rates", "rule_versions"))
    for sibling in siblings:
        mine, theirs = f"_amount_{policy.pk}", f"_amount_{sibling.pk}"
        ahead = Q(**{f"{theirs}__gt": F(mine)})
        if sibling.pk < policy.pk:
            ahead |= Q(**{theirs: F(mine)})
        excluded |= (current_rule(sibling).q(month) & Q(enrolled_in(sibling, month))
                     & ahead)
    return excluded


def _lines_insert(batch: PayrollBatch, policy: Policy, month: date, prefix: str, *,
                  version: int, backpay: bool) -> int:
    amount = amount_expression(policy, month)
    # order_by(): the person list's default ordering would sort every line before inserting.
    persons = (Person.objects.in_region(prefix).order_by()
               .filter(current_rule(policy).q(month))
               .filter(enrolled_in(policy, month))
               # NOT IN, read once before the insert starts: a correlated NOT EXISTS planned
               # as a scan of payroll lines per person also scanned the lines this statement
               # was inserting — quadratic, 53 s for 50,000 lines on PostgreSQL.
               .exclude(pk__in=PayrollLine.objects.filter(policy=policy, period=month)
                        .exclude(status=LineStatus.SET_ASIDE).values("person_id")))
    if policy.exclusivity_group:
        siblings = Policy.objects.filter(exclusivity_group=policy.exclusivity_group,
                                         is_active=True).exclude(pk=policy.pk)
        persons = persons.annotate(**{f"_amount_{policy.pk}": amount}, **{
            f"_amount_{s.pk}": amount_expression(s, month)
            for s in siblings.prefetch_related("rates")})
        persons = persons.exclude(_sibling_pays_more(policy, month))
    persons = persons.annotate(_amount=amount).filter(_amount__isnull=False)
    return insert_from_select(PayrollLine, persons, {
        "batch": Value(batch.pk), "person": F("pk"), "policy": Value(policy.pk),
        "region": F("region_id"), "period": Value(month), "name": F("name"),
        "amount": F("_amount"), "exclusivity_group": Value(policy.exclusivity_group),
        "is_backpay": Value(backpay), "rule_version": Value(version),
        "facts": _facts_snapshot(), "status": Value(LineStatus.PENDING),
        "failure_reason": Value(""), "reissues": Value(0),
    })


def payroll_generate(*, actor: User, policy: Policy, period_start: date) -> PayrollBatch:
    """Generate the batch of `policy` for the period starting `period_start` in the actor's
    area. Generating a period that exists returns the existing batch unchanged."""
    months = period_months(policy, period_start)
    prefix = scope_prefix(policy, actor.region)
    if prefix is None:
        raise DomainError("out_of_scope", "该政策不适用于您的管辖范围。")
    existing = PayrollBatch.objects.filter(policy=policy, region_id=actor.region_id,
                                           period_start=months[0]).first()
    if existing is not None:
        return existing
    version = current_rule_version(policy).number
    try:
        with transaction.atomic():
            batch = PayrollBatch.objects.create(
                policy=policy, region_id=actor.region_id, period_start=months[0],
                period_end=months[-1], rule_version=version, generated_by=actor)
            for month in months:
                _lines_insert(batch, policy, month, prefix, version=version, backpay=False)
            _backpay_insert(batch, policy, prefix, version=version)
            _batch_totals(batch, policy, months, prefix)
            audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=batch,
                               summary=f"生成发放批次：{policy.name} {months[0]:%Y年%m月}",
                               changes={"lines": batch.line_count, "total": str(batch.total)})
    except IntegrityError:
        # Someone generated the same period at the same moment: theirs stands, ours is void.
        existing = PayrollBatch.objects.filter(policy=policy, region_id=actor.region_id,
                                               period_start=months[0]).first()
        if existing is None:
            raise
        return existing
    return batch


def _backpay_insert(batch: PayrollBatch, policy: Policy, prefix: str, *, version: int) -> None:
    """Months already paid by earlier batches, for people whose enrolment now covers them."""
    earliest = add_months(batch.period_start, -BACKPAY_MONTHS)
    earlier = (PayrollBatch.objects.filter(policy=policy, region_id=batch.region_id,
                                           period_start__gte=earliest,
                                           period_start__lt=batch.period_start)
               .values_list("period_start", "period_end"))
    for start, end in earlier:
        month = start
        while month <= end:
            _lines_insert(batch, policy, month, prefix, version=version, backpay=True)
            month = add_months(month, 1)


def _count_and_total(batch: PayrollBatch) -> None:
    """The lines to pay (set-aside lines are not paid by this batch)."""
    totals = batch.lines.exclude(status=LineStatus.SET_ASIDE).aggregate(
        n=Count("pk"), total=Sum("amount"))
    batch.line_count, batch.total = totals["n"], totals["total"] or Decimal("0")


def _batch_totals(batch: PayrollBatch, policy: Policy, months: list[date], prefix: str) -> None:
    _count_and_total(batch)
    rule = current_rule(policy)
    batch.excluded = (Person.objects.in_region(prefix).filter(enrolled_in(policy, months[0]))
                      .exclude(rule.q(months[0])).count())
    batch.save(update_fields=["line_count", "total", "excluded"])


@transaction.atomic
def payroll_approve(*, actor: User, batch: PayrollBatch) -> bool:
    """Approve a draft batch; approving twice changes nothing (returns False). The account
    that generated the batch cannot approve it (不相容岗位分离)."""
    refusal = permissions.approve_refusal(actor, batch)
    if refusal is not None:
        raise DomainError(*refusal)
    blocked = blocked_lines(batch).count()
    if blocked and batch.status == BatchStatus.DRAFT:
        raise DomainError("blocked_lines",
                          f"本批次有 {blocked} 条明细未登记发放账户（阻断），不能审核通过。请先为其"
                          "登记发放账户，或填写原因将其挂起（挂起的不发放，可在以后批次补发）。")
    updated = PayrollBatch.objects.filter(pk=batch.pk, status=BatchStatus.DRAFT).update(
        status=BatchStatus.APPROVED, approved_by=actor, approved_at=timezone.now())
    if updated:
        batch.refresh_from_db()
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=batch,
                           summary=f"审核发放批次：{batch.policy.name} "
                                   f"{batch.period_start:%Y年%m月}")
    return bool(updated)


def blocked_lines(batch: PayrollBatch) -> QuerySet[PayrollLine]:
    """阻断: lines to pay whose person has no payee account; never paid, never in a bank
    file. Computed, not stored: registering the account unblocks the line."""
    return batch.lines.filter(status=LineStatus.PENDING).exclude(has_account_q())


def has_account_q() -> Q:
    return Q(Exists(PaymentAccount.objects.filter(person_id=OuterRef("person_id"))
                    .exclude(account_number="")))


@transaction.atomic
def payroll_lines_set_aside(*, actor: User, batch: PayrollBatch, line_ids: list[int] | None,
                            reason: str) -> int:
    """挂起 blocked lines of a draft batch with a reason (all of them when `line_ids` is
    None): they are not paid now and their months stay payable in a later batch (补发).
    Setting aside twice changes nothing. Returns the lines set aside."""
    if not permissions.can_run_payroll(actor):
        raise DomainError("wrong_role", "您的角色不能办理发放批次。")
    if batch.status != BatchStatus.DRAFT:
        raise DomainError("not_draft", "批次已审核，不能再挂起明细。")
    if not reason.strip():
        raise DomainError("reason_required", "挂起须填写原因。", field="reason")
    lines = blocked_lines(batch)
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    count = lines.update(status=LineStatus.SET_ASIDE, failure_reason=reason.strip()[:200])
    if count:
        _count_and_total(batch)
        batch.save(update_fields=["line_count", "total"])
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=batch,
                           summary=f"挂起发放明细 {count} 条：{batch.policy.name} "
                                   f"{batch.period_start:%Y年%m月}",
                           changes={"set_aside": count, "reason": reason.strip()[:200]})
    return count


@transaction.atomic
def payroll_lines_mark(*, actor: User, batch: PayrollBatch, line_ids: list[int] | None,
                       status: str, reason: str = "") -> int:
    """Mark pending lines paid or failed (all pending lines when `line_ids` is None). A line
    already paid is left alone, so marking twice changes nothing. Returns lines changed."""
    if batch.status != BatchStatus.APPROVED:
        raise DomainError("not_approved", "批次审核通过后才能登记发放结果。")
    if status not in (LineStatus.PAID, LineStatus.FAILED):
        raise DomainError("bad_status", "发放结果只能是“已发放”或“发放失败”。")
    if status == LineStatus.FAILED and not reason.strip():
        raise DomainError("reason_required", "登记发放失败须填写原因。", field="reason")
    # A line without an account was not in the bank file: it cannot have been paid.
    lines = batch.lines.filter(status=LineStatus.PENDING)
    if status == LineStatus.PAID:
        lines = lines.filter(has_account_q())
    if line_ids is not None:
        lines = lines.filter(pk__in=line_ids)
    changes = ({"status": LineStatus.PAID, "paid_at": timezone.now(), "failure_reason": ""}
               if status == LineStatus.PAID else
               {"status": LineStatus.FAILED, "failure_reason": reason.strip()[:200]})
    count = lines.update(**changes)
    if count:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=batch,
                           summary=f"登记发放结果：{LineStatus(status).label} {count} 人")
    return count


@transaction.atomic
def payroll_line_reissue(*, actor: User, line: PayrollLine) -> PayrollLine:
    """A failed payment goes back to 待发放 for the next bank file (重发)."""
    updated = PayrollLine.objects.filter(pk=line.pk, status=LineStatus.FAILED).update(
        status=LineStatus.PENDING, reissues=F("reissues") + 1)
    line.refresh_from_db()
    if updated:
        audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=line,
                           summary=f"重新发放：{line.period:%Y年%m月}")
    return line


def overpayments_detect(*, actor: User, person_ids: list[int] | None = None) -> int:
    """追回: paid lines for months after the person's death or hukou move, found set-based
    (only for `person_ids` when given, e.g. a confirmed cross-check finding). Running it twice
    records nothing new. Returns the number of new records."""
    late = (PayrollLine.objects.visible_to(actor)
            .filter(status=LineStatus.PAID,
                    person__living_status__in=[LivingStatus.DECEASED, LivingStatus.MOVED_OUT],
                    person__living_status_on__lt=F("period"))
            .exclude(Exists(Overpayment.objects.filter(line=OuterRef("pk")))))
    if person_ids is not None:
        late = late.filter(person_id__in=person_ids)
    with transaction.atomic():
        count = insert_from_select(Overpayment, late, {
            "line": F("pk"), "person": F("person_id"), "region": F("region_id"),
            "amount": F("amount"), "reason": Value("发放月份在死亡或户籍迁出之后"),
            "status": Value("outstanding"), "created_by": Value(actor.pk),
            "created_at": Value(timezone.now()), "settled_note": Value(""),
        })
        if count:
            audit.audit_record(actor=actor, action=AuditAction.CREATE,
                               object_type="benefits.overpayment", region_code=actor.region_id,
                               summary=f"发现应追回发放 {count} 笔")
    return count


@transaction.atomic
def overpayment_settle(*, actor: User, overpayment: Overpayment, status: str,
                       note: str) -> Overpayment:
    if status not in ("recovered", "waived"):
        raise DomainError("bad_status", "处理结果只能是“已追回”或“核销”。")
    if not note.strip():
        raise DomainError("note_required", "请填写处理说明。", field="note")
    if overpayment.status != "outstanding":
        return overpayment
    overpayment.status, overpayment.settled_note = status, note.strip()[:200]
    overpayment.save(update_fields=["status", "settled_note"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=overpayment,
                       summary=f"追回处理：{overpayment.get_status_display()}")
    return overpayment

