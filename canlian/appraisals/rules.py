"""The arithmetic of the quarterly appraisal (专职委员季度考核): quarters, the rules a quarter is
scored by, and the way from KPI inputs to points, score, tier and amount. Pure functions, no
database, so the whole scoring can be checked by hand.

Seed 000 (桐梓): the county budgets about 400,000 yuan a year for the subsidies of the township
and village 专职委员 and pays them each quarter after a joint assessment by the county DPF and
the townships ("每季度，县残联与乡镇（街道）紧密协作，共同进行严格考核后发放补贴"). The KPIs,
their weights, the manual items, the score → subsidy tiers and the amount are the county's own
(`AppraisalScheme`); a quarter keeps a frozen copy of them (`AppraisalQuarter.rules`), so a later
change of the scheme never changes a past quarter.

Points of a KPI = weight × rate, rounded half up to 0.01. The rates:
- 走访覆盖率 `visit_coverage`: persons due a visit in the quarter who were visited / persons due;
- 按期回访率 `follow_up`: scheduled visit periods ending in the quarter that had a visit / such
  periods (a monthly schedule has three per quarter, the quarterly default one);
- 诉求按期办结率 `cases`: cases of the village due in the quarter concluded by their due date /
  cases due in the quarter;
- 基础数据更新 `registry`: persons whose record the officer updated in the quarter, up to the
  scheme's target / target.
A rate without a denominator (no case fell due, nobody was due a visit) gives the full weight:
nothing was left undone (无此项按满分计). kpis.py computes the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from canlian.core.errors import DomainError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
TOTAL_POINTS = 100
MAX_MANUAL_ITEMS = 6
MAX_TIERS = 6

VISIT_COVERAGE = "visit_coverage"
FOLLOW_UP = "follow_up"
CASES = "cases"
REGISTRY = "registry"
KPI_KEYS = (VISIT_COVERAGE, FOLLOW_UP, CASES, REGISTRY)
KPI_LABELS = {
    VISIT_COVERAGE: "走访覆盖率",
    FOLLOW_UP: "按期回访率",
    CASES: "诉求按期办结率",
    REGISTRY: "基础数据更新",
}
KPI_HELP = {
    VISIT_COVERAGE: "本季度应走访的残疾人中，在其走访周期内走访到的人数比例。",
    FOLLOW_UP: "按走访周期，本季度内到期的每一次定期回访是否按期完成"
               "（每月走访的对象每季度 3 次）。",
    CASES: "本村（社区）办结期限在本季度内的诉求中，在期限内办结的比例（退回的不计）。",
    REGISTRY: "本人在本季度更新残疾人信息的人数（直接修改或经审核通过的变更申请），"
              "达到目标人数得满分。",
}


# ------------------------------------------------------------------ quarters


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1–4

    def __post_init__(self) -> None:
        if self.number not in (1, 2, 3, 4):
            raise ValueError("quarter number is 1–4")

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def last_finished(cls, today: date) -> Quarter:
        return cls.of(today).previous()

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        return self.next().start - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.number}季度"

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year,
                                                                         self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year,
                                                                         self.number - 1)


def schedule_periods(interval_months: int, quarter: Quarter) -> list[tuple[date, date]]:
    """The calendar periods of a visit schedule (`interval_months` divides 12, periods start in
    January as in canlian.cases.due) that end inside the quarter. A visit is due in each."""
    periods = []
    for first_month in range(1, 13, interval_months):
        start = date(quarter.year, first_month, 1)
        last_month = first_month + interval_months - 1
        end = (date(quarter.year + 1, 1, 1) if last_month == 12
               else date(quarter.year, last_month + 1, 1)) - timedelta(days=1)
        if quarter.start <= end <= quarter.end:
            periods.append((start, end))
    return periods


# ------------------------------------------------------------------ the rules of a quarter


@dataclass(frozen=True)
class ManualItem:
    name: str
    max_score: int


@dataclass(frozen=True)
class Tier:
    min_score: Decimal
    label: str
    percent: int  # of the quarterly amount

    @property
    def description(self) -> str:
        return "不发放" if self.percent == 0 else (
            "全额发放" if self.percent == 100 else f"发放 {self.percent}%")


@dataclass(frozen=True)
class Rules:
    weights: Mapping[str, int]
    registry_target: int
    manual_items: tuple[ManualItem, ...]
    tiers: tuple[Tier, ...]  # highest threshold first; the last one starts at 0
    quarterly_amount: Decimal
    appeal_days: int  # working days after finalisation

    @property
    def kpi_total(self) -> int:
        return sum(self.weights.values())

    @property
    def manual_total(self) -> int:
        return sum(item.max_score for item in self.manual_items)

    def tier_for(self, score: Decimal) -> Tier:
        for tier in self.tiers:
            if score >= tier.min_score:
                return tier
        return self.tiers[-1]

    def amount_for(self, tier: Tier) -> Decimal:
        return (self.quarterly_amount * tier.percent / HUNDRED).quantize(CENT, ROUND_HALF_UP)

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": dict(self.weights),
            "registry_target": self.registry_target,
            "manual_items": [{"name": i.name, "max_score": i.max_score}
                             for i in self.manual_items],
            "tiers": [{"min_score": str(t.min_score), "label": t.label, "percent": t.percent}
                      for t in self.tiers],
            "quarterly_amount": str(self.quarterly_amount),
            "appeal_days": self.appeal_days,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rules:
        return cls(
            weights={k: int(v) for k, v in data["weights"].items()},
            registry_target=int(data["registry_target"]),
            manual_items=tuple(ManualItem(i["name"], int(i["max_score"]))
                               for i in data["manual_items"]),
            tiers=tuple(Tier(Decimal(str(t["min_score"])), t["label"], int(t["percent"]))
                        for t in data["tiers"]),
            quarterly_amount=Decimal(str(data["quarterly_amount"])),
            appeal_days=int(data["appeal_days"]),
        )


# A starting point the county edits on the scheme page (not a national rule): the KPIs carry 80
# points and the townships' manual items 20; the amount is seed 000's budget spread over its
# 25 township and 232 village officers (≈ 400,000 / 257 / 4 ≈ 389 yuan a quarter).
DEFAULT_RULES = Rules(
    weights={VISIT_COVERAGE: 30, FOLLOW_UP: 20, CASES: 15, REGISTRY: 15},
    registry_target=5,
    manual_items=(ManualItem("政策宣传与需求收集", 10), ManualItem("工作纪律与台账资料", 10)),
    tiers=(Tier(Decimal(90), "优秀", 100), Tier(Decimal(80), "良好", 90),
           Tier(Decimal(60), "合格", 70), Tier(Decimal(0), "不合格", 0)),
    quarterly_amount=Decimal("390.00"),
    appeal_days=10,
)


def rules_check(rules: Rules) -> None:
    """Refuse rules that cannot score every officer; each message names the field."""
    for key in KPI_KEYS:
        if rules.weights.get(key, -1) < 0:
            raise DomainError("weight", f"{KPI_LABELS[key]}的分值不能为负数。",
                              field=f"weight_{key}")
    names = [item.name for item in rules.manual_items]
    if len(set(names)) != len(names):
        raise DomainError("manual_items", "人工评分项的名称不能重复。", field="manual_1_name")
    for n, item in enumerate(rules.manual_items, start=1):
        if item.max_score <= 0:
            raise DomainError("manual_items", f"人工评分项 {n}（{item.name}）的满分须大于 0。",
                              field=f"manual_{n}_max")
    total = rules.kpi_total + rules.manual_total
    if total != TOTAL_POINTS:
        raise DomainError("total", f"各项分值合计须为 {TOTAL_POINTS} 分，现为 {total} 分"
                                   f"（指标 {rules.kpi_total} 分，"
                                   f"人工评分 {rules.manual_total} 分）。",
                          field="weight_visit_coverage")
    if rules.weights.get(REGISTRY, 0) > 0 and rules.registry_target <= 0:
        raise DomainError("registry_target", "基础数据更新目标人数须大于 0。",
                          field="registry_target")
    if rules.quarterly_amount < 0:
        raise DomainError("amount", "每季度补贴标准不能为负数。", field="quarterly_amount")
    if not rules.tiers:
        raise DomainError("tiers", "请至少设置一个发放档次。", field="tier_1_min")
    thresholds = [tier.min_score for tier in rules.tiers]
    if thresholds != sorted(thresholds, reverse=True) or len(set(thresholds)) != len(thresholds):
        raise DomainError("tiers", "发放档次的最低分须从高到低排列且互不相同。", field="tier_1_min")
    if thresholds[-1] != 0:
        raise DomainError("tiers", "最后一个发放档次的最低分须为 0，使每个得分都有档次。",
                          field=f"tier_{len(thresholds)}_min")
    for n, tier in enumerate(rules.tiers, start=1):
        if not 0 <= tier.percent <= 100:
            raise DomainError("tiers", f"发放档次 {n} 的发放比例须在 0 到 100 之间。",
                              field=f"tier_{n}_percent")
        if tier.min_score > TOTAL_POINTS:
            raise DomainError("tiers", f"发放档次 {n} 的最低分不能超过 {TOTAL_POINTS}。",
                              field=f"tier_{n}_min")


# ------------------------------------------------------------------ scoring


@dataclass(frozen=True)
class KpiInputs:
    """What the data said about one officer's quarter (frozen on the result)."""

    persons_due: int = 0
    persons_visited: int = 0
    periods_due: int = 0
    periods_on_time: int = 0
    cases_due: int = 0
    cases_on_time: int = 0
    registry_updates: int = 0

    def ratio(self, key: str, rules: Rules) -> tuple[int, int]:
        """(done, expected) of one KPI; registry updates count up to the target."""
        if key == VISIT_COVERAGE:
            return self.persons_visited, self.persons_due
        if key == FOLLOW_UP:
            return self.periods_on_time, self.periods_due
        if key == CASES:
            return self.cases_on_time, self.cases_due
        return min(self.registry_updates, rules.registry_target), rules.registry_target


def kpi_points(rules: Rules, inputs: KpiInputs) -> dict[str, Decimal]:
    points = {}
    for key in KPI_KEYS:
        weight = Decimal(rules.weights.get(key, 0))
        done, expected = inputs.ratio(key, rules)
        share = Decimal(1) if expected <= 0 else Decimal(done) / Decimal(expected)
        points[key] = (weight * share).quantize(CENT, ROUND_HALF_UP)
    return points


def parse_score(value: Any, *, maximum: int, label: str, field_name: str) -> Decimal:
    """A manual or adjusted score: a number from 0 to `maximum` with at most two decimals."""
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("score", f"{label}须为数字。", field=field_name) from None
    if not score.is_finite() or score < 0 or score > maximum:
        raise DomainError("score", f"{label}须在 0 到 {maximum} 分之间。", field=field_name)
    if score != score.quantize(CENT):
        raise DomainError("score", f"{label}最多保留两位小数。", field=field_name)
    return score.quantize(CENT)


@dataclass(frozen=True)
class Outcome:
    points: dict[str, Decimal]
    manual_points: Decimal
    manual_complete: bool
    score: Decimal
    tier: Tier
    amount: Decimal
    missing_items: tuple[str, ...] = field(default=())


def score_of(rules: Rules, inputs: KpiInputs, manual: Mapping[str, str]) -> Outcome:
    """Points, score, tier and amount. Manual items not yet scored count 0 (and are listed)."""
    points = kpi_points(rules, inputs)
    manual_points = Decimal(0)
    missing = []
    for item in rules.manual_items:
        value = manual.get(item.name)
        if value is None:
            missing.append(item.name)
            continue
        manual_points += Decimal(str(value))
    score = (sum(points.values(), Decimal(0)) + manual_points).quantize(CENT)
    tier = rules.tier_for(score)
    return Outcome(points=points, manual_points=manual_points.quantize(CENT),
                   manual_complete=not missing, score=score, tier=tier,
                   amount=rules.amount_for(tier), missing_items=tuple(missing))
