"""Amounts from a policy's rate table, in SQL (one CASE over the registry) and for one person.

For month M the rows in force are those whose period covers M; the first whose condition holds
(by `order`) gives the amount. Both paths read the same rows, so a payroll line and the
self-check page never disagree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, Value, When
from django.db.models.expressions import Expression

from canlian.benefits.models import Policy, Rate
from canlian.benefits.rules import Facts, parse

MONEY = DecimalField(max_digits=10, decimal_places=2)


def rates_in_force(policy: Policy, month: date) -> list[Rate]:
    """Uses the policy's prefetched `rates` when present (no query per policy on lists)."""
    rates = sorted(policy.rates.all(), key=lambda r: (r.order, r.pk))
    return [r for r in rates if r.in_force(month)]


def amount_expression(policy: Policy, month: date) -> Expression:
    """A CASE giving each person's amount in M, NULL where no rate applies."""
    whens = []
    for rate in rates_in_force(policy, month):
        if not rate.condition.strip():
            return Case(*whens, default=Value(rate.amount), output_field=MONEY)
        whens.append(When(parse(rate.condition).q(month), then=Value(rate.amount)))
    return Case(*whens, default=Value(None), output_field=MONEY)


def amount_for(policy: Policy, facts: Facts, month: date) -> Decimal | None:
    for rate in rates_in_force(policy, month):
        if not rate.condition.strip() or parse(rate.condition).evaluate(facts).ok:
            return rate.amount
    return None
