"""Benefits JSON API: policies, eligibility runs and their gaps, enrolments, payroll batches.

The same services and scoping as the pages: rows carry the hukou region, and an actor sees the
rows of their jurisdiction (outside → 404). A run or a batch made for a wider area (the
county's) is visible to the township and village staff inside it, with only their own people's
rows. A refused action (DomainError) is a 400 with its Chinese message, a concurrent change a
409, a review step the role may not decide a 403.

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.errors import HttpError

from canlian.benefits import enrolments as enrolment_services
from canlian.benefits import selectors
from canlian.benefits.catalog import current_rule_version
from canlian.benefits.models import EligibilityGap, Enrolment, PayrollBatch, PayrollLine, Policy
from canlian.benefits.months import parse_month
from canlian.benefits.permissions import (
    APPLY_ROLES,
    CATALOG_VIEW_ROLES,
    STEP_ROLES,
    VIEW_ROLES,
)
from canlian.benefits.schemas import (
    BatchOut,
    BatchPage,
    EnrolmentApplyIn,
    EnrolmentDetailOut,
    EnrolmentOut,
    EnrolmentPage,
    EnrolmentQuery,
    EnrolmentReviewIn,
    GapPage,
    GapQuery,
    LinePage,
    LineQuery,
    PageQuery,
    PolicyDetailOut,
    PolicyOut,
    RunPage,
)
from canlian.core.api_auth import MAX_ID, api_roles
from canlian.core.errors import DomainError
from canlian.core.managers import jurisdiction_prefix
from canlian.core.models import User
from canlian.core.schemas import ErrorOut

router = Router(tags=["政策与补贴"])

REVIEW_ROLES = frozenset().union(*STEP_ROLES.values())
CONFLICT_CODES = frozenset({"conflict", "already_open"})
CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,40}$"


def _refused(error: DomainError) -> tuple[int, dict[str, str]]:
    if error.code in CONFLICT_CODES:
        return 409, {"detail": error.message}
    if error.code in ("wrong_role", "separation_of_duties"):
        raise HttpError(403, error.message)
    return 400, {"detail": error.message}


# ------------------------------------------------------------------ output

def _month(value: date | None) -> str | None:
    return None if value is None else f"{value:%Y-%m}"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _policy_out(policy: Policy) -> dict[str, Any]:
    return {"code": policy.code, "name": policy.name, "level": policy.level,
            "category": policy.category, "region_code": policy.region_id,
            "period": policy.period, "exclusivity_group": policy.exclusivity_group,
            "review_steps": list(policy.review_steps), "discover_gaps": policy.discover_gaps,
            "is_example": policy.is_example, "is_active": policy.is_active}


def _enrolment_out(e: Enrolment) -> dict[str, Any]:
    return {"id": e.pk, "person_id": e.person_id, "name": e.person.name,
            "policy": e.policy.code, "policy_name": e.policy.name, "region_code": e.region_id,
            "status": e.status, "next_step": e.next_step,
            "applied_month": _month(e.applied_month), "start_month": _month(e.start_month),
            "end_month": _month(e.end_month), "stop_reason": e.stop_reason,
            "version": e.version}


def _enrolment_detail(e: Enrolment) -> dict[str, Any]:
    steps = e.steps.select_related("actor").order_by("at", "pk")
    return {**_enrolment_out(e), "channel": e.channel, "for_ward": e.for_ward, "note": e.note,
            "steps": [{"action": s.action, "approved": s.approved, "note": s.note,
                       "effective_month": _month(s.effective_month),
                       "actor_name": s.actor.name, "at": s.at} for s in steps]}


def _batch_out(batch: PayrollBatch, totals: dict[str, Any] | None) -> dict[str, Any]:
    """`totals` is the actor's share when they see only part of the batch's area."""
    count = batch.line_count if totals is None else totals["n"]
    total = batch.total if totals is None else (totals["total"] or Decimal(0))
    return {"id": batch.pk, "policy": batch.policy.code, "policy_name": batch.policy.name,
            "region_code": batch.region_id, "period_start": _month(batch.period_start),
            "period_end": _month(batch.period_end), "status": batch.status,
            "rule_version": batch.rule_version, "line_count": count, "total": _money(total),
            "generated_at": batch.generated_at, "approved_at": batch.approved_at}


def _batches_out(actor: User, batches: list[PayrollBatch]) -> list[dict[str, Any]]:
    """Stored totals where the actor sees the whole batch; else one aggregate for the page."""
    prefix = jurisdiction_prefix(actor) or ""
    partial = [b.pk for b in batches if not b.region_id.startswith(prefix)]
    totals = {row["batch_id"]: row for row in (
        PayrollLine.objects.visible_to(actor).filter(batch_id__in=partial)
        .values("batch_id").annotate(n=Count("pk"), total=Sum("amount")).order_by())}
    return [_batch_out(b, totals.get(b.pk, {"n": 0, "total": None})
                       if b.pk in partial else None) for b in batches]


# ------------------------------------------------------------------ policies

@router.get("/policies", response=list[PolicyOut], summary="政策目录")
@api_roles(CATALOG_VIEW_ROLES)
def benefit_policies(request: HttpRequest) -> list[dict[str, Any]]:
    return [_policy_out(p) for p in selectors.policies_for(request.auth)]  # type: ignore[arg-type]


@router.get("/policies/{code}", response={200: PolicyDetailOut, 404: ErrorOut},
            summary="政策详情（现行资格规则与补贴标准）")
@api_roles(CATALOG_VIEW_ROLES)
def benefit_policy_detail(request: HttpRequest,
                          code: str = Path(..., pattern=CODE_PATTERN)) -> dict[str, Any]:
    policy = selectors.policy_get(actor=request.auth, code=code)  # type: ignore[arg-type]
    version = current_rule_version(policy)
    rates = sorted(policy.rates.all(), key=lambda r: (r.order, r.pk))
    return {**_policy_out(policy), "legal_basis": policy.legal_basis,
            "start_rule": policy.start_rule, "stop_rule": policy.stop_rule,
            "required_materials": list(policy.required_materials),
            "description": policy.description, "rule": version.text,
            "rule_version": version.number,
            "rates": [{"label": r.label, "condition": r.condition, "amount": _money(r.amount),
                       "effective_from": _month(r.effective_from),
                       "effective_to": _month(r.effective_to)} for r in rates]}


# ------------------------------------------------------------------ eligibility runs

@router.get("/eligibility-runs", response=RunPage, summary="资格比对记录")
@api_roles(VIEW_ROLES)
def eligibility_runs(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    runs = selectors.runs_for(request.auth)  # type: ignore[arg-type]
    items = runs[page.offset:page.offset + page.limit]
    return {"count": runs.count(), "items": [
        {"id": r.pk, "month": _month(r.month), "region_code": r.region_id,
         "started_at": r.started_at, "finished_at": r.finished_at, "summary": r.summary}
        for r in items]}


@router.get("/eligibility-runs/{run_id}/gaps", response={200: GapPage, 404: ErrorOut},
            summary="资格比对发现（待纳入、应停发）")
@api_roles(VIEW_ROLES)
def eligibility_gaps(request: HttpRequest, filters: Query[GapQuery],
                     run_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[assignment]
    run = selectors.run_get_for(actor=actor, run_id=run_id)
    # Both kinds unless one is asked for (selectors.gaps_for takes one kind).
    gaps = (EligibilityGap.objects.filter(run=run,
                                          region__code__startswith=jurisdiction_prefix(actor))
            .select_related("policy", "person", "region"))
    if filters.policy:
        gaps = gaps.filter(policy__code=filters.policy)
    if filters.kind:
        gaps = gaps.filter(kind=filters.kind)
    items = gaps.order_by("policy_id", "kind", "region_id", "person_id", "pk")[
        filters.offset:filters.offset + filters.limit]
    return {"count": gaps.count(), "items": [
        {"id": g.pk, "policy": g.policy.code, "kind": g.kind, "person_id": g.person_id,
         "name": g.person.name, "region_code": g.region_id, "region_name": g.region.name,
         "amount": _money(g.amount), "reason": g.reason} for g in items]}


# ------------------------------------------------------------------ enrolments

@router.get("/enrolments", response=EnrolmentPage, summary="政策享受（申请与在册）")
@api_roles(VIEW_ROLES)
def enrolments(request: HttpRequest, filters: Query[EnrolmentQuery]) -> dict[str, Any]:
    rows = selectors.enrolments_for(actor=request.auth,  # type: ignore[arg-type]
                                    status=filters.status, policy=filters.policy)
    items = rows[filters.offset:filters.offset + filters.limit]
    return {"count": rows.count(), "items": [_enrolment_out(e) for e in items]}


@router.get("/enrolments/{enrolment_id}", response={200: EnrolmentDetailOut, 404: ErrorOut},
            summary="政策享受详情（含审核记录）")
@api_roles(VIEW_ROLES)
def enrolment_detail(request: HttpRequest,
                     enrolment_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    return _enrolment_detail(selectors.enrolment_get_for(
        actor=request.auth, enrolment_id=enrolment_id))  # type: ignore[arg-type]


@router.post("/enrolments", response={201: EnrolmentOut, 400: ErrorOut, 404: ErrorOut,
                                      409: ErrorOut}, summary="登记政策申请")
@api_roles(APPLY_ROLES)
def enrolment_apply(request: HttpRequest, payload: EnrolmentApplyIn) -> Any:
    actor: User = request.auth  # type: ignore[assignment]
    person = selectors.person_get_for(actor=actor, person_id=payload.person_id)
    policy = selectors.policies_for(actor).filter(code=payload.policy).first()
    if policy is None:
        return 404, {"detail": "没有找到该政策。"}
    try:
        month = parse_month(payload.applied_month, field="applied_month")
        enrolment = enrolment_services.enrolment_apply(
            actor=actor, person=person, policy=policy, applied_month=month,
            for_ward=payload.for_ward, note=payload.note)
    except DomainError as error:
        return _refused(error)
    return 201, _enrolment_out(enrolment)


@router.post("/enrolments/{enrolment_id}/review",
             response={200: EnrolmentDetailOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut},
             summary="审核政策申请（当前环节通过或不予通过）")
@api_roles(REVIEW_ROLES)
def enrolment_review(request: HttpRequest, payload: EnrolmentReviewIn,
                     enrolment_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    actor: User = request.auth  # type: ignore[assignment]
    enrolment = selectors.enrolment_get_for(actor=actor, enrolment_id=enrolment_id)
    try:
        enrolment = enrolment_services.enrolment_review(
            actor=actor, enrolment=enrolment, expected_version=payload.version,
            approve=payload.approve, note=payload.note)
    except DomainError as error:
        return _refused(error)
    return 200, _enrolment_detail(enrolment)


# ------------------------------------------------------------------ payroll

@router.get("/payroll-batches", response=BatchPage, summary="发放批次")
@api_roles(VIEW_ROLES)
def payroll_batches(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[assignment]
    batches = selectors.batches_for(actor)
    items = list(batches[page.offset:page.offset + page.limit])
    return {"count": batches.count(), "items": _batches_out(actor, items)}


@router.get("/payroll-batches/{batch_id}", response={200: BatchOut, 404: ErrorOut},
            summary="发放批次详情")
@api_roles(VIEW_ROLES)
def payroll_batch_detail(request: HttpRequest,
                         batch_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[assignment]
    return _batches_out(actor, [selectors.batch_get_for(actor=actor, batch_id=batch_id)])[0]


@router.get("/payroll-batches/{batch_id}/lines", response={200: LinePage, 404: ErrorOut},
            summary="发放明细")
@api_roles(VIEW_ROLES)
def payroll_lines(request: HttpRequest, filters: Query[LineQuery],
                  batch_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    actor: User = request.auth  # type: ignore[assignment]
    batch = selectors.batch_get_for(actor=actor, batch_id=batch_id)
    lines = selectors.lines_for(actor=actor, batch=batch, status=filters.status)
    items = lines[filters.offset:filters.offset + filters.limit]
    return {"count": lines.count(), "items": [
        {"id": line.pk, "person_id": line.person_id, "name": line.name,
         "region_code": line.region_id, "period": _month(line.period),
         "amount": _money(line.amount), "is_backpay": line.is_backpay,
         "status": line.status, "failure_reason": line.failure_reason} for line in items]}
