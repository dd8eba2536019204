"""Writes of the quarterly appraisal: each a transaction that checks the actor, the state and
the input, and writes its audit row.

Workflow: county staff save the scheme (a new version) → compute the finished quarter (all
officers at once; again at will while it is a draft: KPIs are refreshed, manual scores kept) →
township staff enter their officers' manual scores → county staff finalise (frozen from then
on) and export the payment list → an officer may appeal within the scheme's working days →
county staff record the outcome (upheld: adjusted score, tier and amount, with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from canlian.appraisals import kpis, permissions, selectors
from canlian.appraisals.models import (
    AppealStatus,
    AppraisalAppeal,
    AppraisalQuarter,
    AppraisalResult,
    AppraisalScheme,
    QuarterStatus,
)
from canlian.appraisals.rules import (
    TOTAL_POINTS,
    Outcome,
    Quarter,
    Rules,
    parse_score,
    rules_check,
    score_of,
)
from canlian.core import audit
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, User

# Rows per INSERT when results are (re)written: a county's officers (桐梓: 232 villages) fit in
# one statement; 1,000 rows × 30 columns stays under SQLite's and PostgreSQL's parameter limits.
INSERT_ROWS = 1000


def _require_county_staff(actor: User) -> None:
    if not permissions.is_county_staff(actor):
        raise DomainError("forbidden", "只有县残联工作人员可以进行此操作。")


# ------------------------------------------------------------------ scheme


@transaction.atomic
def scheme_save(*, actor: User, starts: Quarter, rules: Rules, note: str = "",
                request: HttpRequest | None = None) -> AppraisalScheme:
    """A new version of the county's scheme, in force from `starts`. Finalised quarters keep
    what they were scored by, so a version may not start on or before the last of them."""
    _require_county_staff(actor)
    rules_check(rules)
    county_id = selectors.county_of(actor).code
    last = selectors.latest_finalized(county_id=county_id)
    if last is not None and starts <= last.period:
        raise DomainError("effective_from",
                          f"{last.period.label}已定稿，新方案只能从其后的季度起适用。",
                          field="effective_from")
    data = rules.to_json()
    scheme = AppraisalScheme.objects.create(
        county_id=county_id, effective_from=starts.start,
        **{f"weight_{key}": value for key, value in rules.weights.items()},
        registry_target=rules.registry_target, manual_items=data["manual_items"],
        tiers=data["tiers"], quarterly_amount=rules.quarterly_amount,
        appeal_days=rules.appeal_days, note=note.strip()[:200], created_by=actor)
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=scheme,
                       region_code=county_id, summary=f"设置{starts.label}起适用的考核方案",
                       changes={"rules": data}, request=request)
    return scheme


# ------------------------------------------------------------------ quarter


def _apply(result: AppraisalResult, outcome: Outcome) -> None:
    result.points = {key: str(value) for key, value in outcome.points.items()}
    result.manual_points = outcome.manual_points
    result.manual_complete = outcome.manual_complete
    result.computed_score = result.score = outcome.score
    result.tier_label, result.tier_percent = outcome.tier.label, outcome.tier.percent
    result.amount = outcome.amount


def _kept_manual(old: AppraisalResult | None, rules: Rules) -> dict[str, str]:
    """Manual scores survive a recomputation while their item still exists within its maximum."""
    if old is None:
        return {}
    maxima = {item.name: item.max_score for item in rules.manual_items}
    return {name: value for name, value in old.manual_scores.items()
            if name in maxima and Decimal(value) <= maxima[name]}


def _insert(results: Sequence[AppraisalResult], *, with_pk: bool) -> None:
    """One multi-row INSERT per INSERT_ROWS results (bulk_create would cut a county's officers
    into dozens of statements on SQLite)."""
    if not results:
        return
    meta = AppraisalResult._meta
    fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
    connection = connections[AppraisalResult.objects.db]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for first in range(0, len(results), INSERT_ROWS):
            chunk = results[first:first + INSERT_ROWS]
            params = [f.get_db_prep_save(getattr(r, f.attname), connection)
                      for r in chunk for f in fields]
            cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
                           f"VALUES {', '.join([row] * len(chunk))}", params)


def _delete_results(quarter: AppraisalQuarter) -> None:
    """One DELETE (the ORM's would select the rows, then delete them 100 ids at a time). A
    draft quarter has no appeals, so nothing cascades."""
    meta = AppraisalResult._meta
    connection = connections[AppraisalResult.objects.db]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(meta.db_table)} "  # noqa: S608
                       f"WHERE {quote(meta.get_field('quarter').column)} = %s", [quarter.pk])


def _refresh_total(quarter: AppraisalQuarter) -> None:
    total = quarter.results.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    quarter.total_amount = total
    AppraisalQuarter.objects.filter(pk=quarter.pk).update(total_amount=total)


@transaction.atomic
def quarter_compute(*, actor: User, period: Quarter, today: date | None = None,
                    request: HttpRequest | None = None) -> AppraisalQuarter:
    """Compute (or recompute) a finished quarter for every officer of the actor's county, in a
    fixed number of queries: the KPI inputs set-based (kpis.py), the results rewritten in one
    statement, ids and manual scores kept for officers computed before."""
    _require_county_staff(actor)
    today = today or timezone.localdate()
    if period.end >= today:
        raise DomainError("not_ended", f"{period.label}尚未结束，结束后才能计算考核结果。",
                          field="quarter")
    county = selectors.county_of(actor)
    scheme = selectors.scheme_in_force(county_id=county.code, quarter=period)
    if scheme is None:
        raise DomainError("no_scheme", f"没有适用于{period.label}的考核方案，请先设置考核方案。",
                          field="quarter")
    # The scheme row serialises computations of the county: two first computations of the
    # same quarter would otherwise both create it.
    scheme = AppraisalScheme.objects.select_for_update().get(pk=scheme.pk)
    record = (AppraisalQuarter.objects.select_for_update()
              .filter(county=county, year=period.year, number=period.number).first())
    if record is not None and record.is_finalized:
        raise DomainError("finalized", f"{period.label}已定稿，考核结果不再重新计算。",
                          field="quarter")
    rules = scheme.rules
    computed = kpis.quarter_inputs(county, period)
    now = timezone.now()
    first_time = record is None
    if record is None:
        record = AppraisalQuarter.objects.create(
            county=county, year=period.year, number=period.number, scheme=scheme,
            rules=rules.to_json(), computed_at=now, computed_by=actor)
        previous: dict[tuple[str, int], AppraisalResult] = {}
    else:
        previous = {(("member", r.member_id) if r.member_id else ("user", r.user_id or 0)): r
                    for r in record.results.all()}
        _delete_results(record)
    kept, added = [], []
    for officer, inputs in computed:
        old = previous.get(officer.key)
        result = AppraisalResult(
            pk=old.pk if old else None, quarter=record, region_id=officer.region_id,
            member_id=officer.member_id, user_id=officer.user_id, name=officer.name,
            manual_scores=_kept_manual(old, rules),
            manual_by_id=old.manual_by_id if old else None,
            manual_at=old.manual_at if old else None, **asdict(inputs))
        _apply(result, score_of(rules, inputs, result.manual_scores))
        (kept if old else added).append(result)
    _insert(kept, with_pk=True)
    _insert(added, with_pk=False)
    record.scheme, record.rules = scheme, rules.to_json()
    record.computed_at, record.computed_by = now, actor
    record.officer_count = len(computed)
    record.total_amount = sum((r.amount for r in [*kept, *added]), Decimal(0))
    record.save()
    audit.audit_record(
        actor=actor, action=AuditAction.CREATE if first_time else AuditAction.UPDATE,
        obj=record, region_code=county.code,
        summary=f"{'计算' if first_time else '重新计算'}{period.label}专职委员考核",
        changes={"officers": record.officer_count, "scheme": scheme.pk,
                 "total_amount": str(record.total_amount)}, request=request)
    return record


@transaction.atomic
def quarter_finalize(*, actor: User, quarter: AppraisalQuarter,
                     request: HttpRequest | None = None) -> AppraisalQuarter:
    """Freeze the quarter as computed and scored; appeals open from now."""
    _require_county_staff(actor)
    locked = AppraisalQuarter.objects.select_for_update().get(pk=quarter.pk)
    if locked.is_finalized:
        raise DomainError("finalized", f"{locked.period.label}已定稿。")
    reason = permissions.finalize_conflict(actor, selectors.has_scored(actor=actor,
                                                                      quarter=locked))
    if reason:
        raise DomainError("separation_of_duties", reason)
    if locked.frozen_rules.manual_items:
        missing = locked.results.filter(manual_complete=False).count()
        if missing:
            raise DomainError("manual_missing", f"尚有 {missing} 名专职委员未录入人工评分，"
                                                "请乡镇（街道）录入后再定稿。")
    locked.status = QuarterStatus.FINALIZED
    locked.finalized_at, locked.finalized_by = timezone.now(), actor
    locked.save(update_fields=["status", "finalized_at", "finalized_by"])
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       region_code=locked.county_id,
                       summary=f"{locked.period.label}专职委员考核定稿",
                       changes={"officers": locked.officer_count,
                                "total_amount": str(locked.total_amount)}, request=request)
    return locked


# ------------------------------------------------------------------ manual scores


@transaction.atomic
def manual_scores_save(*, actor: User, result: AppraisalResult, scores: Mapping[str, Any],
                       request: HttpRequest | None = None) -> AppraisalResult:
    """The township's scores of the manual items (every item, 0 to its maximum)."""
    quarter = AppraisalQuarter.objects.select_for_update().get(pk=result.quarter_id)
    locked = AppraisalResult.objects.select_for_update().get(pk=result.pk)
    if not permissions.can_score(actor, locked):
        raise DomainError("forbidden", "您不能为该专职委员评分。")
    if quarter.is_finalized:
        raise DomainError("finalized", "该季度已定稿，人工评分不能再修改。")
    rules = quarter.frozen_rules
    parsed = {}
    for n, item in enumerate(rules.manual_items, start=1):
        value = scores.get(item.name)
        if value is None or str(value).strip() == "":
            raise DomainError("score", f"请填写“{item.name}”的得分。", field=f"item_{n}")
        parsed[item.name] = str(parse_score(value, maximum=item.max_score,
                                            label=f"“{item.name}”的得分", field_name=f"item_{n}"))
    before = audit.snapshot(locked, ["manual_scores", "score", "tier_label", "amount"])
    locked.manual_scores = parsed
    locked.manual_by, locked.manual_at = actor, timezone.now()
    _apply(locked, score_of(rules, locked.inputs, parsed))
    locked.save()
    _refresh_total(quarter)
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       summary=f"录入{quarter.period.label}专职委员人工评分",
                       changes=audit.diff(before, audit.snapshot(locked, before)),
                       request=request)
    return locked


# ------------------------------------------------------------------ appeals


@transaction.atomic
def appeal_file(*, actor: User, result: AppraisalResult, reason: str,
                today: date | None = None, request: HttpRequest | None = None
                ) -> AppraisalAppeal:
    """The officer's appeal against their finalised result, within the scheme's working days."""
    if not permissions.can_appeal(actor, result):
        raise DomainError("forbidden", "只能对本人的考核结果提出申诉。")
    quarter = result.quarter
    if not quarter.is_finalized:
        raise DomainError("not_finalized", "考核结果定稿后才能申诉。")
    deadline = selectors.appeal_deadline(quarter)
    if deadline is not None and (today or timezone.localdate()) > deadline:
        raise DomainError("late", f"申诉期限已过（{deadline:%Y年%m月%d日}前可以申诉）。",
                          field="reason")
    if AppraisalAppeal.objects.filter(result=result).exists():
        raise DomainError("already", "该季度的考核结果已提出过申诉。")
    if not reason.strip():
        raise DomainError("reason", "请填写申诉理由。", field="reason")
    appeal = AppraisalAppeal.objects.create(result=result, reason=reason.strip()[:1000],
                                            filed_by=actor, filed_at=timezone.now())
    audit.audit_record(actor=actor, action=AuditAction.CREATE, obj=appeal,
                       region_code=result.region_id,
                       summary=f"对{quarter.period.label}考核结果提出申诉", request=request)
    return appeal


@transaction.atomic
def appeal_decide(*, actor: User, appeal: AppraisalAppeal, upheld: bool, reason: str,
                  adjusted_score: Any = None, request: HttpRequest | None = None
                  ) -> AppraisalAppeal:
    """Upheld: the result takes the adjusted score and the tier and amount it gives under the
    quarter's frozen rules. Rejected: the result stays. Both record the reason."""
    locked = AppraisalAppeal.objects.select_for_update().select_related(
        "result__quarter").get(pk=appeal.pk)
    if not permissions.can_decide_appeal(actor, locked):
        raise DomainError("forbidden", "只有县残联工作人员可以处理申诉。")
    if not locked.is_open:
        raise DomainError("decided", "该申诉已处理。")
    if not reason.strip():
        raise DomainError("decision_reason", "请填写处理意见（将告知申诉人）。",
                          field="decision_reason")
    result = AppraisalResult.objects.select_for_update().get(pk=locked.result_id)
    quarter = locked.result.quarter
    locked.score_before = result.score
    changes: dict[str, Any] = {}
    if upheld:
        if adjusted_score is None or str(adjusted_score).strip() == "":
            raise DomainError("adjusted_score", "申诉成立时请填写调整后得分。",
                              field="adjusted_score")
        score = parse_score(adjusted_score, maximum=TOTAL_POINTS, label="调整后得分",
                            field_name="adjusted_score")
        if score == result.score:
            raise DomainError("adjusted_score",
                              "调整后得分与原得分相同；不调整得分请选择申诉不成立。",
                              field="adjusted_score")
        rules = quarter.frozen_rules
        tier = rules.tier_for(score)
        before = audit.snapshot(result, ["score", "tier_label", "tier_percent", "amount"])
        result.score, result.is_adjusted = score, True
        result.tier_label, result.tier_percent = tier.label, tier.percent
        result.amount = rules.amount_for(tier)
        result.save(update_fields=["score", "is_adjusted", "tier_label", "tier_percent",
                                   "amount"])
        _refresh_total(quarter)
        changes = audit.diff(before, audit.snapshot(result, before))
        locked.score_after = score
    locked.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    locked.decision_reason = reason.strip()[:1000]
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save()
    audit.audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked,
                       region_code=result.region_id,
                       summary=f"处理{quarter.period.label}考核申诉：{locked.get_status_display()}",
                       changes={**changes, "status": locked.status}, request=request)
    return locked

