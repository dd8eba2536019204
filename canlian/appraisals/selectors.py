"""Reads of the appraisal, always scoped by the actor; outside their jurisdiction → 404.

County staff and leaders see the county, township staff the officers of their township; a
village liaison officer sees only their own results, and only once the quarter is finalised
(a draft may still change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from canlian.appraisals import permissions
from canlian.appraisals.models import (
    AppealStatus,
    AppraisalAppeal,
    AppraisalQuarter,
    AppraisalResult,
    AppraisalScheme,
    QuarterStatus,
    county_code,
)
from canlian.appraisals.rules import KPI_HELP, KPI_KEYS, KPI_LABELS, Quarter, Rules
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.core.workbench import Todo
from canlian.core.workdays import add_working_days


def county_of(actor: User) -> Region:
    return Region.objects.get(code=county_code(actor.region_id))


# ------------------------------------------------------------------ schemes


def schemes_for(*, actor: User) -> QuerySet[AppraisalScheme]:
    if actor.role not in permissions.VIEW_ROLES:
        return AppraisalScheme.objects.none()
    return AppraisalScheme.objects.visible_to(actor).select_related("created_by")


def scheme_in_force(*, county_id: str, quarter: Quarter) -> AppraisalScheme | None:
    """The latest version starting on or before the quarter (a later save of the same start
    replaces an earlier one)."""
    return (AppraisalScheme.objects.filter(county_id=county_id,
                                           effective_from__lte=quarter.start)
            .order_by("-effective_from", "-id").first())


def latest_finalized(*, county_id: str) -> AppraisalQuarter | None:
    return (AppraisalQuarter.objects.filter(county_id=county_id,
                                            status=QuarterStatus.FINALIZED)
            .order_by("-year", "-number").first())


# ------------------------------------------------------------------ quarters and results


def quarters_for(*, actor: User) -> QuerySet[AppraisalQuarter]:
    if actor.role not in permissions.OVERVIEW_ROLES:
        return AppraisalQuarter.objects.none()
    return AppraisalQuarter.objects.visible_to(actor).select_related(
        "computed_by", "finalized_by")


def has_scored(*, actor: User, quarter: AppraisalQuarter) -> bool:
    """Whether the actor entered manual scores of any officer in the quarter."""
    return quarter.results.filter(manual_by=actor).exists()


def quarter_get_for(*, actor: User, quarter_id: int) -> AppraisalQuarter:
    quarter = quarters_for(actor=actor).filter(pk=quarter_id).select_related("county").first()
    if quarter is None:
        raise Http404("没有找到该季度考核。")
    return quarter


@dataclass(frozen=True)
class ResultFilter:
    region: str = ""  # a township or village code inside the actor's area
    tier: str = ""
    q: str = ""  # part of the officer's name
    year: int | None = None
    number: int | None = None


def results_for(*, actor: User, quarter: AppraisalQuarter | None = None,
                filters: ResultFilter = ResultFilter()) -> QuerySet[AppraisalResult]:
    if actor.role not in permissions.VIEW_ROLES:
        return AppraisalResult.objects.none()
    results = AppraisalResult.objects.visible_to(actor)
    if actor.role == Role.VILLAGE_LIAISON:
        results = results.filter(user=actor, quarter__status=QuarterStatus.FINALIZED)
    if quarter is not None:
        results = results.filter(quarter=quarter)
    if filters.region:
        results = results.filter(region__code__startswith=_prefix(filters.region))
    if filters.tier:
        results = results.filter(tier_label=filters.tier)
    if filters.q:
        results = results.filter(name__contains=filters.q.strip())
    if filters.year:
        results = results.filter(quarter__year=filters.year)
    if filters.number:
        results = results.filter(quarter__number=filters.number)
    return results.select_related("region__parent", "quarter", "appeal").order_by(
        "-quarter__year", "-quarter__number", "region_id", "name", "pk")


def result_get_for(*, actor: User, result_id: int) -> AppraisalResult:
    result = results_for(actor=actor).select_related(
        "quarter__county", "manual_by", "appeal__decided_by").filter(pk=result_id).first()
    if result is None:
        raise Http404("没有找到该考核结果。")
    return result


def _prefix(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    return region.prefix if region else code


def quarter_summary(*, actor: User, quarter: AppraisalQuarter) -> dict[str, Any]:
    """The actor's share of the quarter: officers, amount, per tier, unscored (one query)."""
    rules = quarter.frozen_rules
    labels = [tier.label for tier in rules.tiers]
    totals = results_for(actor=actor, quarter=quarter).aggregate(
        officers=Count("pk"), amount=Sum("amount"),
        unscored=Count("pk", filter=Q(manual_complete=False)),
        adjusted=Count("pk", filter=Q(is_adjusted=True)),
        scored_by_me=Count("pk", filter=Q(manual_by=actor)),
        **{f"tier_{n}": Count("pk", filter=Q(tier_label=label))
           for n, label in enumerate(labels)})
    return {
        "officers": totals["officers"], "amount": totals["amount"] or Decimal("0.00"),
        "unscored": totals["unscored"] if rules.manual_items else 0,
        "adjusted": totals["adjusted"],
        # Manual scores the actor entered (所见范围内): county staff see the whole quarter.
        "scored_by_me": totals["scored_by_me"],
        "tiers": [{"tier": tier, "count": totals[f"tier_{n}"],
                   "amount": rules.amount_for(tier)} for n, tier in enumerate(rules.tiers)],
    }


def township_choices(*, actor: User) -> list[tuple[str, str]]:
    """Townships of the actor's county for the overview filter (county-level actors only)."""
    if not permissions.is_county_staff(actor) and actor.role != Role.LEADER:
        return []
    county = county_code(actor.region_id)
    return list(Region.objects.filter(parent_id=county).order_by("code")
                .values_list("code", "name"))


def appeal_deadline(quarter: AppraisalQuarter) -> date | None:
    """The last day an officer may appeal: N working days after finalisation."""
    if quarter.finalized_at is None:
        return None

    return add_working_days(timezone.localdate(quarter.finalized_at),
                            quarter.frozen_rules.appeal_days)


@dataclass(frozen=True)
class KpiLine:
    key: str
    label: str
    help: str
    done: int
    expected: int
    weight: int
    points: Decimal

    @property
    def percent(self) -> Decimal | None:
        if self.expected <= 0:
            return None
        # Registry updates beyond the target count as 100 %.
        done = min(self.done, self.expected)
        return (Decimal(100) * done / self.expected).quantize(Decimal("0.1"))


def kpi_lines(result: AppraisalResult, rules: Rules) -> list[KpiLine]:
    inputs = result.inputs
    lines = []
    for key in KPI_KEYS:
        done, expected = inputs.ratio(key, rules)
        if key == "registry":
            done = result.registry_updates
        lines.append(KpiLine(key=key, label=KPI_LABELS[key], help=KPI_HELP[key], done=done,
                             expected=expected, weight=rules.weights.get(key, 0),
                             points=Decimal(result.points.get(key, "0"))))
    return lines


def manual_lines(result: AppraisalResult, rules: Rules) -> list[dict[str, Any]]:
    return [{"name": item.name, "max_score": item.max_score,
             "score": (Decimal(result.manual_scores[item.name])
                       if item.name in result.manual_scores else None)}
            for item in rules.manual_items]


# ------------------------------------------------------------------ appeals


def appeals_for(*, actor: User, status: str = "") -> QuerySet[AppraisalAppeal]:
    if actor.role not in permissions.OVERVIEW_ROLES:
        return AppraisalAppeal.objects.none()
    appeals = AppraisalAppeal.objects.visible_to(actor).select_related(
        "result__region__parent", "result__quarter", "decided_by")
    if status in AppealStatus.values:
        appeals = appeals.filter(status=status)
    return appeals.order_by("-filed_at", "-pk")


def appeal_get_for(*, actor: User, appeal_id: int) -> AppraisalAppeal:
    appeal = appeals_for(actor=actor).select_related("result__quarter__county").filter(
        pk=appeal_id).first()
    if appeal is None:
        raise Http404("没有找到该申诉。")
    return appeal


# ------------------------------------------------------------------ work bench


def appraisal_todos(actor: User) -> list[Todo]:
    """Open appeals the actor may decide (can_decide_appeal), and officers of a draft quarter
    still without manual scores the actor may enter (can_score). One query each."""
    todos = []
    if permissions.is_county_staff(actor):
        count = AppraisalAppeal.objects.visible_to(actor).filter(
            status=AppealStatus.OPEN).count()
        todos.append(Todo(label="待处理的考核申诉", count=count,
                          url=reverse("appraisals:appeal_list") + "?status=open",
                          module="专职委员考核"))
    if actor.role in permissions.SCORE_ROLES:
        count = AppraisalResult.objects.visible_to(actor).filter(
            quarter__status=QuarterStatus.DRAFT, manual_complete=False).count()
        todos.append(Todo(label="待录入人工评分的专职委员", count=count, unit="人",
                          url=reverse("appraisals:quarter_list"), module="专职委员考核"))
    return todos
