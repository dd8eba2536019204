"""Property: for random persons, months and rules, the compiled SQL (`Rule.q`) selects exactly
the persons the one-person evaluator (`Rule.evaluate(facts_for(...))`) accepts."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canlian.benefits.rules import facts_for, parse
from canlian.registry.models import Household, HouseholdStatus, Person

MONTHS = [date(2024, 2, 1), date(2024, 3, 1), date(2025, 1, 1), date(2026, 3, 1)]
AGES = [0, 17, 18, 60]


def _edges(day: date) -> list[date]:
    return [day - timedelta(days=1), day, day + timedelta(days=1)]


def _people(month: date) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Persons whose dates cluster on the boundaries of `month`, where off-by-ones live."""
    events = [*_edges(month), month, month - timedelta(days=40), month + timedelta(days=40),
              None]
    births = [d for n in AGES for d in _edges(month.replace(year=month.year - n))]
    births += [date(2008, 2, 29), date(2006, 2, 28), date(2006, 3, 1), date(1964, 2, 29)]
    maybe_date = st.sampled_from(events)
    person = st.fixed_dictionaries({
        "birth_date": st.sampled_from(births) | st.dates(date(1920, 1, 1), date(2026, 6, 1)),
        "sex": st.sampled_from(["M", "F"]),
        "living_status": st.sampled_from(["alive", "deceased", "moved_out"]),
        "living_status_on": maybe_date,
        "certificate_status": st.sampled_from(["none", "valid", "expired", "cancelled"]),
        "certificate_cancel_reason": st.sampled_from(["", "deceased", "moved_out",
                                                      "own_request"]),
        "certificate_issued_on": maybe_date,
        "certificate_valid_until": maybe_date,
        "disability": st.none() | st.tuples(st.integers(1, 7), st.integers(1, 4)),
        "needs_long_term_care": st.booleans(),
        "education": st.sampled_from(["", "小学", "初中"]),
        "employment_status": st.sampled_from(["", "务农", "无业"]),
        "region": st.sampled_from(["village_a", "village_a2", "village_b"]),
        "household": st.none() | st.integers(0, 1),
    })
    return st.lists(person, min_size=1, max_size=10)


def _periods(month: date) -> st.SearchStrategy[list[tuple[int, str, date, date | None]]]:
    months = [month.replace(year=month.year - 1), month - timedelta(days=1), month,
              month + timedelta(days=31)]
    months = [m.replace(day=1) for m in months]
    period = st.tuples(st.integers(0, 1),
                       st.sampled_from(["dibao", "tekun", "orphan", "work_injury_care"]),
                       st.sampled_from(months), st.none() | st.sampled_from(months))
    return st.lists(period, max_size=5)


# ---------------------------------------------------------------- random rules


def _words(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


BOOL_FIELDS = ["alive", "在世", "in_county", "户籍在县", "certificate_valid", "持证有效",
               "enrolable", "可纳入", "severe", "重度", "needs_long_term_care", "需长期照护",
               "dibao", "低保", "tekun", "特困", "orphan", "孤儿保障", "work_injury_care", "工伤护理"]
OPS = ["==", "!=", "<", "<=", ">", ">=", "="]
GRADES = ["1", "2", "3", "4", "一级", "二级", "三级", "四级"]
CATEGORIES = ["1", "4", "5", "6", "7", "肢体", "智力残疾", "精神", "多重"]


def _membership(field: str, literals: list[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda f, kw, vs: f"{f} {kw} ({', '.join(vs)})",
        st.just(field), _words("in", "not in", "属于", "不属于"),
        st.lists(st.sampled_from(literals), min_size=1, max_size=3),
    )


def _compare(fields: list[str], ops: list[str], literals: list[str]) -> st.SearchStrategy[str]:
    forward = st.builds(lambda f, op, v: f"{f} {op} {v}", st.sampled_from(fields),
                        st.sampled_from(ops), st.sampled_from(literals))
    flipped = st.builds(lambda f, op, v: f"{v} {op} {f}", st.sampled_from(fields),
                        st.sampled_from(ops), st.sampled_from(literals))
    return forward | flipped | st.sampled_from(fields).flatmap(
        lambda f: _membership(f, literals))


def _strings(field: str, values: list[str]) -> st.SearchStrategy[str]:
    quoted = [f'"{v}"' for v in values]
    return (st.builds(lambda op, v: f"{field} {op} {v}", _words("==", "!="),
                      st.sampled_from(quoted)) | _membership(field, quoted))


leaf = st.one_of(
    st.sampled_from(BOOL_FIELDS),
    st.sampled_from(BOOL_FIELDS[:8]),  # the date-driven facts, where the edges are
    st.builds(lambda f, op, v: f"{f} {op} {v}", st.sampled_from(BOOL_FIELDS),
              _words("==", "!="), _words("true", "false", "是", "否")),
    _compare(["age", "年龄"], OPS, [str(n) for n in AGES]),
    _compare(["grade", "残疾等级"], OPS, GRADES),
    _compare(["category", "残疾类别"], OPS, CATEGORIES),
    _strings("sex", ["男", "女"]),
    _strings("education", ["", "小学"]),
    _strings("就业状况", ["务农"]),
    _strings("region", ["520322101", "520322103", "520322", "520322000000", "52"]),
)
rule_strategy = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda kw, x: f"{kw} {x}", _words("not", "非", "不"), inner),
        st.builds(lambda a, kw, b: f"({a} {kw} {b})", inner, _words("and", "且", "并且"), inner),
        st.builds(lambda a, kw, b: f"({a} {kw} {b})", inner, _words("or", "或"), inner),
    ),
    max_leaves=6,
)

_numbers = itertools.count(1)


def _create(spec: dict[str, Any], regions: dict[str, str], households: list[Household]) -> Person:
    number = next(_numbers)
    category, grade = spec["disability"] or (None, None)
    household_index = spec["household"]
    return Person.objects.create(
        name="测试", name_initials="CS", id_number=f"52032219800101{number:04d}",
        id_number_index=f"prop-{number}", id_tail_index="tail",
        birth_date=spec["birth_date"], sex=spec["sex"], region_id=regions[spec["region"]],
        household=None if household_index is None else households[household_index],
        category=category, grade=grade,
        **{key: spec[key] for key in (
            "living_status", "living_status_on", "certificate_status",
            "certificate_cancel_reason", "certificate_issued_on", "certificate_valid_until",
            "needs_long_term_care", "education", "employment_status")},
    )


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), month=st.sampled_from(MONTHS),
       texts=st.lists(rule_strategy, min_size=1, max_size=10))
def test_compiled_sql_agrees_with_the_evaluator(
        regions: dict[str, str], data: st.DataObject, month: date, texts: list[str]) -> None:
    people = data.draw(_people(month), label="people")
    periods = data.draw(_periods(month), label="periods")
    with transaction.atomic():
        households = [Household.objects.create(region_id=regions["village_a"]) for _ in range(2)]
        for index, kind, start, end in periods:
            if end is not None and end < start:
                start, end = end, start
            HouseholdStatus.objects.create(household=households[index], kind=kind,
                                           start_month=start, end_month=end)
        persons = [_create(spec, regions, households) for spec in people]
        facts = {person.pk: facts_for(person, month) for person in persons}
        for text in texts:
            rule = parse(text)
            selected = set(Person.objects.filter(rule.q(month)).values_list("pk", flat=True))
            verdicts = {pk: rule.evaluate(person_facts) for pk, person_facts in facts.items()}
            accepted = {pk for pk, verdict in verdicts.items() if verdict.ok}
            assert selected == accepted, text
            for verdict in verdicts.values():
                assert verdict.ok == all(clause.ok for clause in verdict.clauses)
                assert verdict.summary()
        transaction.set_rollback(True)
