"""Compile a rule to one Django `Q` over registry.Person for month M.

NULL discipline: every atom below is two-valued in SQL (a nullable column is guarded by
`IS NOT NULL` inside the same AND), so `~` of any compiled node means exactly "not" — the
same as the Python evaluator, where a comparison with a missing value is false.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce

from django.db.models import Exists, OuterRef, Q

from canlian.benefits.rules.facts import EVENT_CANCEL_REASONS, VALID_STATUSES
from canlian.benefits.rules.syntax import And, Compare, Flag, Node, Not, Or
from canlian.benefits.rules.vocabulary import (
    CATEGORY,
    DOMAINS,
    FIELDS,
    GRADE,
    HOUSEHOLD_FIELDS,
    INT,
    REGION,
    SEXES,
    UNKNOWN_FIELDS,
    allowed_values,
    base_op,
)
from canlian.registry.models import CertificateStatus, HouseholdStatus, LivingStatus

NEVER = Q(pk__in=[])

def _alive(m1: date) -> Q:
    return ~Q(living_status=LivingStatus.DECEASED) | Q(living_status_on__isnull=False,
                                                       living_status_on__gte=m1)


def _in_county(m1: date) -> Q:
    return ~Q(living_status=LivingStatus.MOVED_OUT) | Q(living_status_on__isnull=False,
                                                        living_status_on__gte=m1)


def _certificate_valid(m1: date) -> Q:
    in_period = Q(certificate_issued_on__isnull=False, certificate_issued_on__lte=m1,
                  certificate_valid_until__isnull=False, certificate_valid_until__gte=m1)
    cancelled_by_event = Q(certificate_status=CertificateStatus.CANCELLED,
                           certificate_cancel_reason__in=EVENT_CANCEL_REASONS,
                           living_status_on__isnull=False, living_status_on__gte=m1)
    return in_period & (Q(certificate_status__in=VALID_STATUSES) | cancelled_by_event)


def _household(kind: str, m1: date) -> Q:
    statuses = HouseholdStatus.objects.active_in_month(m1).filter(
        household_id=OuterRef("household_id"), kind=kind)
    return Q(Exists(statuses))


def _flag(name: str, m1: date) -> Q:
    if name in HOUSEHOLD_FIELDS:
        return _household(HOUSEHOLD_FIELDS[name], m1)
    if name == "enrolable":
        return _alive(m1) & _in_county(m1) & _certificate_valid(m1)
    if name == "severe":
        return Q(grade__isnull=False, grade__in=[1, 2])
    if name == "needs_long_term_care":
        return Q(needs_long_term_care=True)
    return {"alive": _alive, "in_county": _in_county,
            "certificate_valid": _certificate_valid}[name](m1)


def _birth_cutoff(m1: date, years: int) -> date | None:
    """age at M1 >= years  ⇔  birth_date <= this date (M1 is the 1st, so no 29 February)."""
    if m1.year - years < 1:
        return None
    return date(m1.year - years, m1.month, 1)


def _age_at_least(m1: date, years: int) -> Q:
    cutoff = _birth_cutoff(m1, years)
    return NEVER if cutoff is None else Q(birth_date__lte=cutoff)


def _age(op: str, n: int, m1: date) -> Q:
    if op == ">=":
        return _age_at_least(m1, n)
    if op == ">":
        return _age_at_least(m1, n + 1)
    if op == "<":
        return ~_age_at_least(m1, n)
    if op == "<=":
        return ~_age_at_least(m1, n + 1)
    return _age_at_least(m1, n) & ~_age_at_least(m1, n + 1)  # ==


def _compare(node: Compare, m1: date) -> Q:
    negated, op = base_op(node.op)
    spec = FIELDS[node.field]
    if spec.type in (CATEGORY, GRADE):
        allowed = allowed_values(DOMAINS[spec.type], op, node.values)
        q = Q(**{f"{node.field}__isnull": False, f"{node.field}__in": allowed}) if allowed \
            else NEVER
    elif spec.type == INT:
        values = node.values if op == "in" else (node.values[0],)
        q = reduce(operator.or_, (_age("==" if op == "in" else op, int(v), m1) for v in values))
    elif spec.type == REGION:
        q = reduce(operator.or_, (Q(region__code__startswith=str(v)) for v in node.values))
    else:
        values = tuple(SEXES[str(v)] if node.field == "sex" else v for v in node.values)
        q = Q(**{f"{node.field}__in": values})
    return ~q if negated else q


# Always true, and usable inside `|` (an empty Q() is dropped from an OR).
ALWAYS = Q(pk__isnull=False)


def compile_q(node: Node, month: date, *, want: bool = True) -> Q:
    """The persons for whom `node` may evaluate to `want`: definitely, or depending on a fact
    Canlian does not hold (FieldSpec.known is False), which the evaluator answers 需核实. For
    rules over known facts only this is exactly the evaluator's answer."""
    m1 = month.replace(day=1)
    if isinstance(node, Flag):
        if node.field in UNKNOWN_FIELDS:
            return ALWAYS
        q = _flag(node.field, m1)
        return q if want else ~q
    if isinstance(node, Compare):
        q = _compare(node, m1)
        return q if want else ~q
    if isinstance(node, Not):
        return compile_q(node.operand, m1, want=not want)
    assert isinstance(node, And | Or)
    # not (a and b) is (not a) or (not b): the connective flips with the wanted value.
    combine = operator.and_ if isinstance(node, And) == want else operator.or_
    return reduce(combine, (compile_q(item, m1, want=want) for item in node.items))
