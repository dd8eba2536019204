"""Appraisal JSON API: the county's quarters and the officers' results, scoped as the pages
are (county staff and leaders the county, township staff their township, a village liaison
officer their own finalised results; outside → 404).

No `from __future__ import annotations`: django-ninja reads parameter types through the role
check wrapper (see canlian/core/api.py).
"""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from canlian.appraisals import permissions, selectors
from canlian.appraisals.models import AppraisalQuarter, AppraisalResult
from canlian.appraisals.schemas import QuarterOut, ResultDetailOut, ResultPage, ResultQuery
from canlian.core.api_auth import MAX_ID, api_roles
from canlian.core.schemas import ErrorOut

router = Router(tags=["专职委员考核"])


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _quarter_out(quarter: AppraisalQuarter) -> dict[str, Any]:
    return {"id": quarter.pk, "year": quarter.year, "quarter": quarter.number,
            "label": quarter.period.label, "status": quarter.status,
            "officer_count": quarter.officer_count,
            "total_amount": _money(quarter.total_amount),
            "computed_at": quarter.computed_at, "finalized_at": quarter.finalized_at}


def _result_out(result: AppraisalResult) -> dict[str, Any]:
    parent = result.region.parent
    return {"id": result.pk, "year": result.quarter.year, "quarter": result.quarter.number,
            "quarter_status": result.quarter.status, "region_code": result.region_id,
            "region_name": result.region.name, "township_name": parent.name if parent else "",
            "name": result.name, "has_account": result.user_id is not None,
            "score": _money(result.score), "tier": result.tier_label,
            "tier_percent": result.tier_percent, "amount": _money(result.amount),
            "is_adjusted": result.is_adjusted}


def _result_detail(result: AppraisalResult) -> dict[str, Any]:
    rules = result.quarter.frozen_rules
    appeal = getattr(result, "appeal", None)
    return {
        **_result_out(result),
        "kpis": [{"key": k.key, "label": k.label, "done": k.done, "expected": k.expected,
                  "weight": k.weight, "points": _money(k.points)}
                 for k in selectors.kpi_lines(result, rules)],
        "manual_items": [{"name": m["name"], "max_score": m["max_score"],
                          "score": _money(m["score"])}
                         for m in selectors.manual_lines(result, rules)],
        "manual_points": _money(result.manual_points),
        "computed_score": _money(result.computed_score),
        "appeal": None if appeal is None else {
            "status": appeal.status, "reason": appeal.reason, "filed_at": appeal.filed_at,
            "decision_reason": appeal.decision_reason, "decided_at": appeal.decided_at,
            "score_before": _money(appeal.score_before),
            "score_after": _money(appeal.score_after)},
    }


@router.get("/appraisal-quarters", response=list[QuarterOut], summary="季度考核")
@api_roles(permissions.OVERVIEW_ROLES)
def appraisal_quarters(request: HttpRequest) -> list[dict[str, Any]]:
    quarters = selectors.quarters_for(actor=request.auth)[:40]  # type: ignore[arg-type]
    return [_quarter_out(q) for q in quarters]


@router.get("/appraisal-results", response=ResultPage,
            summary="专职委员考核结果（专职委员本人：已定稿的本人结果）")
@api_roles(permissions.VIEW_ROLES)
def appraisal_results(request: HttpRequest, filters: Query[ResultQuery]) -> dict[str, Any]:
    results = selectors.results_for(
        actor=request.auth,  # type: ignore[arg-type]
        filters=selectors.ResultFilter(region=filters.region, year=filters.year,
                                       number=filters.quarter))
    items = results[filters.offset:filters.offset + filters.limit]
    return {"count": results.count(), "items": [_result_out(r) for r in items]}


@router.get("/appraisal-results/{result_id}", response={200: ResultDetailOut, 404: ErrorOut},
            summary="考核结果详情（各项指标、人工评分、申诉）")
@api_roles(permissions.VIEW_ROLES)
def appraisal_result_detail(request: HttpRequest,
                            result_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    return _result_detail(selectors.result_get_for(
        actor=request.auth, result_id=result_id))  # type: ignore[arg-type]
