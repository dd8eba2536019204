"""The scoring arithmetic (rules.py): schedule periods per quarter, points rounded half up,
tier boundaries, and the full weight when there is nothing to do."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from canlian.appraisals.rules import DEFAULT_RULES, KpiInputs, Quarter, schedule_periods, score_of


def test_visit_periods_that_end_in_each_quarter() -> None:
    q1, q2 = Quarter(2026, 1), Quarter(2026, 2)
    assert schedule_periods(1, q1) == [(date(2026, 1, 1), date(2026, 1, 31)),
                                       (date(2026, 2, 1), date(2026, 2, 28)),
                                       (date(2026, 3, 1), date(2026, 3, 31))]
    assert schedule_periods(3, q2) == [(date(2026, 4, 1), date(2026, 6, 30))]
    # Two-month periods Jan–Feb, Mar–Apr, May–Jun: Q1 holds the end of one, Q2 of two.
    assert schedule_periods(2, q1) == [(date(2026, 1, 1), date(2026, 2, 28))]
    assert len(schedule_periods(2, q2)) == 2
    # Half-yearly: nothing falls due in Q1; the visit of Jan–Jun is due in Q2.
    assert schedule_periods(6, q1) == []
    assert schedule_periods(6, q2) == [(date(2026, 1, 1), date(2026, 6, 30))]
    assert schedule_periods(12, Quarter(2026, 4)) == [(date(2026, 1, 1), date(2026, 12, 31))]


def test_quarters_know_their_days_and_neighbours() -> None:
    assert Quarter.last_finished(date(2026, 1, 5)) == Quarter(2025, 4)
    assert (Quarter(2025, 4).start, Quarter(2025, 4).end) == (date(2025, 10, 1),
                                                              date(2025, 12, 31))
    assert Quarter(2026, 1).label == "2026年第1季度" and Quarter(2026, 4).next() == Quarter(2027, 1)


def test_tier_boundaries_are_inclusive_at_the_threshold() -> None:
    manual = {"政策宣传与需求收集": "10", "工作纪律与台账资料": "0"}
    full = KpiInputs(persons_due=1, persons_visited=1, periods_due=1, periods_on_time=1,
                     registry_updates=5)
    assert score_of(DEFAULT_RULES, full, manual).tier.label == "优秀"  # 80 + 10 = 90
    short = replace(full, registry_updates=4)  # 15 × 4/5 = 12: 87.00
    outcome = score_of(DEFAULT_RULES, short, manual)
    assert (outcome.score, outcome.tier.label, outcome.amount) == (
        Decimal("87.00"), "良好", Decimal("351.00"))


def test_points_round_half_up_and_nothing_to_do_earns_the_weight() -> None:
    # 20 × 1/8 = 2.5; 30 × 1/7 = 4.2857… → 4.29; no case due → 15.
    inputs = KpiInputs(persons_due=7, persons_visited=1, periods_due=8, periods_on_time=1)
    points = score_of(DEFAULT_RULES, inputs, {}).points
    assert points == {"visit_coverage": Decimal("4.29"), "follow_up": Decimal("2.50"),
                      "cases": Decimal("15.00"), "registry": Decimal("0.00")}
    rules = replace(DEFAULT_RULES, quarterly_amount=Decimal("333.35"))
    assert rules.amount_for(rules.tiers[2]) == Decimal("233.35")  # 233.345 → 233.35
