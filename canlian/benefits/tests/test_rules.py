"""The benefits rule language (canlian.benefits.rules): grammar, type errors at the token,
facts at the edges of a month, DOMAIN.md §0.3 written as rules, and the Chinese explanations.

Every fact test goes through `_holds`, which asks both the compiled SQL and the one-person
evaluator and insists they agree."""

from __future__ import annotations

import itertools
import operator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from canlian.benefits.rules import (
    FIELDS,
    Clause,
    Facts,
    Rule,
    RuleError,
    Verdict,
    facts_for,
    parse,
)
from canlian.core.errors import DomainError
from canlian.registry.models import Household, HouseholdStatus, Person

M = date(2026, 3, 1)  # the month under test
LAST_DAY_BEFORE = date(2026, 2, 28)
NEXT = date(2026, 4, 1)

# DOMAIN.md §0.3, written as rules.
LIVING_ALLOWANCE = "enrolable and dibao and not tekun and not work_injury_care and not orphan"
CARE_SUBSIDY = ("enrolable and grade in (1, 2) and needs_long_term_care "
                "and not tekun and not work_injury_care")

_numbers = itertools.count(1)


@pytest.fixture
def village(regions: dict[str, str]) -> str:
    return regions["village_a"]


def _person(region: str, *, household: Household | None = None, **fields: Any) -> Person:
    """A person enrolable in M unless told otherwise: alive, in the county, valid certificate,
    grade 1 physical, born 1980."""
    number = next(_numbers)
    values: dict[str, Any] = {
        "birth_date": date(1980, 5, 17), "sex": "M", "category": 4, "grade": 1,
        "certificate_status": "valid", "certificate_issued_on": date(2020, 1, 1),
        "certificate_valid_until": date(2030, 1, 1), "needs_long_term_care": True,
    }
    values.update(fields)
    return Person.objects.create(
        name="测试", name_initials="CS", id_number=f"52032219800101{number:04d}",
        id_number_index=f"rules-{number}", id_tail_index="tail", region_id=region,
        household=household, **values)


def _household(region: str, *periods: tuple[str, date, date | None]) -> Household:
    household = Household.objects.create(region_id=region)
    for kind, start, end in periods:
        HouseholdStatus.objects.create(household=household, kind=kind, start_month=start,
                                       end_month=end)
    return household


def _holds(text: str, person: Person, month: date = M) -> bool:
    """The rule's answer for one person; SQL and the evaluator must give the same one."""
    rule = parse(text)
    in_sql = Person.objects.filter(rule.q(month)).filter(pk=person.pk).exists()
    verdict = rule.evaluate(facts_for(person, month))
    assert in_sql == verdict.ok, (text, month)
    return verdict.ok


def _verdict(text: str, person: Person, month: date = M) -> Verdict:
    _holds(text, person, month)
    return parse(text).evaluate(facts_for(person, month))


# ---------------------------------------------------------------- grammar


def test_parse_keeps_the_text_and_names_the_fields() -> None:
    rule = parse("certificate_valid and grade in (1, 2) and needs_long_term_care and not tekun")
    assert isinstance(rule, Rule)
    assert rule.text.startswith("certificate_valid")
    assert rule.fields == {"certificate_valid", "grade", "needs_long_term_care", "tekun"}


@pytest.mark.parametrize(("english", "chinese"), [
    (CARE_SUBSIDY, "可纳入 且 残疾等级 属于 (一级, 二级) 并且 需长期照护 且 非 特困 且 不 工伤护理"),
    (LIVING_ALLOWANCE, "可纳入且低保且非特困且非工伤护理且非孤儿保障"),
    ("alive or not in_county", "在世 或 不户籍在县"),
    ("category in (5, 6) and grade == 3", "残疾类别 属于（智力残疾，精神）且 残疾等级 ＝ 三级"),
    ("category not in (1, 2)", "残疾类别 不属于 （视力、听力）"),
    ("dibao == true and orphan != true", "低保 = 是 且 孤儿保障 ≠ 是"),
    ('sex == "女" and age >= 60', "性别 == 女 且 年龄 ≥ ６０"),
    ('region in ("520322101")', "户籍地 属于 (“520322101”)"),
    ('education == "小学" or employment_status == "务农"', "文化程度 = ‘小学’ 或 就业状况 = '务农'"),
    ("age >= 18", "18 <= 年龄"),
    ("alive and tekun", "ALIVE AND TEKUN"),
    ("not alive", "alive == false"),
])
def test_chinese_aliases_and_full_width_forms_mean_the_same_rule(
        village: str, english: str, chinese: str) -> None:
    # Same SQL for the same meaning, whatever words and punctuation were used.
    for month in (M, NEXT):
        sql = str(Person.objects.filter(parse(english).q(month)).query)
        assert str(Person.objects.filter(parse(chinese).q(month)).query) == sql
    assert parse(english).fields == parse(chinese).fields


def test_whitespace_includes_full_width_spaces_and_newlines() -> None:
    assert parse("\u3000在世\n且\t持证有效\u3000").fields == {"alive", "certificate_valid"}


def test_not_binds_looser_than_a_comparison_and_and_before_or(village: str) -> None:
    grade_3 = _person(village, grade=3, needs_long_term_care=False)
    assert _holds("not grade in (1, 2)", grade_3)
    assert _holds("grade == 1 and dibao or grade == 3", grade_3)
    assert not _holds("grade == 1 and (dibao or grade == 3)", grade_3)


@pytest.mark.parametrize(("text", "position", "fragment"), [
    ("", 0, "规则为空"),
    ("   ", 0, "规则为空"),
    ("gradee > 1", 0, "“gradee”不是已知字段，是否指“grade”"),
    ("alive and gradee > 1", 10, "第 11 个字符处的“gradee”不是已知字段"),
    ("在世 且 残疾等极 == 1", 5, "“残疾等极”不是已知字段，是否指“残疾等级”"),
    ("alive == 1", 9, "“1”不能与是/否字段“alive”比较"),
    ("dibao < true", 6, "“<”不能用于是/否字段"),
    ("alive in (true)", 6, "“in”不能用于是/否字段"),
    ("age and alive", 0, "“age”是整数字段，不能单独作为条件"),
    ("alive and not grade", 14, "“grade”是残疾等级"),
    ("age >= 视力", 7, "“视力”是残疾类别"),
    ("grade == 视力残疾", 9, "“视力残疾”是残疾类别"),
    ("category in (4, 二级)", 16, "“二级”是残疾等级"),
    ('age == "18"', 7, "是文本，不能与数值字段"),
    ('sex < "男"', 4, "“<”不能用于文本字段“sex”"),
    ('education >= "小学"', 10, "“>=”不能用于文本字段"),
    ("sex == 1", 7, "不是文本"),
    ('sex == "x"', 7, "不是有效的性别"),
    ('region == "5203x"', 10, "不是区划代码"),
    ("grade == 5", 9, "超出范围"),
    ("category == 0", 12, "超出范围"),
    ("age >= 151", 7, "超出范围"),
    ("grade == category", 9, "是字段：字段只能与常量比较"),
    ("1 == 2", 0, "不是字段"),
    ("1", 0, "不能单独作为条件"),
    ("age >= 18 >= 3", 10, "不能连续比较"),
    ("(alive) == true", 8, "括号中的条件"),
    ("alive alive", 6, "多余"),
    ("alive and", 9, "意外结束"),
    ("grade in (1, 2", 14, "意外结束"),
    ("grade in 1", 9, "缺少“(”"),
    ("grade in (1 2)", 12, "缺少逗号或右括号"),
    ("grade in ()", 10, "不是常量"),
    ("(alive or dibao", 15, "缺少右括号"),
    ('sex == "男', 7, "缺少结束引号"),
    ("alive @ dibao", 6, "“@”不是规则中可用的字符"),
    ("age >= -1", 7, "“-”不是规则中可用的字符"),
    ("__import__('os').system('x')", 16, "“.”不是规则中可用的字符"),
    ("__import__", 0, "“__import__”不是已知字段"),
])
def test_rule_error_points_at_the_offending_token(text: str, position: int, fragment: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse(text)
    assert caught.value.position == position
    assert fragment in caught.value.message


def test_rule_error_is_a_domain_error_with_code_and_one_based_position_in_chinese() -> None:
    with pytest.raises(DomainError) as caught:
        parse("alive and gradee > 1")
    error = caught.value
    assert isinstance(error, RuleError)
    assert error.code == "rule_invalid"
    assert error.message.startswith("第 11 个字符处的“gradee”不是已知字段")
    assert "可用：" in error.message and "grade" in error.message
    assert str(error) == error.message


# ---------------------------------------------------------------- facts at the month's edges


def test_alive_in_the_month_of_death_not_after(village: str) -> None:
    # DOMAIN.md §0.3: payment stops from the month after death.
    on_first = _person(village, living_status="deceased", living_status_on=M)
    mid_month = _person(village, living_status="deceased", living_status_on=date(2026, 3, 31))
    month_before = _person(village, living_status="deceased", living_status_on=LAST_DAY_BEFORE)
    no_date = _person(village, living_status="deceased")
    assert _holds("alive", on_first)
    assert _holds("在世", mid_month)
    assert not _holds("alive", mid_month, NEXT)
    assert not _holds("alive", month_before)
    assert not _holds("alive", no_date)


def test_in_county_until_the_month_after_moving_out(village: str) -> None:
    on_first = _person(village, living_status="moved_out", living_status_on=M)
    month_before = _person(village, living_status="moved_out", living_status_on=LAST_DAY_BEFORE)
    no_date = _person(village, living_status="moved_out")
    assert _holds("in_county", on_first)
    assert not _holds("in_county", on_first, NEXT)
    assert not _holds("户籍在县", month_before)
    assert not _holds("in_county", no_date)
    # Moving out is not dying: only `in_county` turns false.
    assert _holds("alive", month_before)


def test_certificate_valid_on_the_first_of_the_month(village: str) -> None:
    expiring_on_first = _person(village, certificate_valid_until=M)
    expired_day_before = _person(village, certificate_valid_until=LAST_DAY_BEFORE)
    issued_on_first = _person(village, certificate_issued_on=M)
    issued_day_after = _person(village, certificate_issued_on=M + timedelta(days=1))
    status_expired_but_in_period = _person(village, certificate_status="expired")
    assert _holds("certificate_valid", expiring_on_first)
    assert not _holds("certificate_valid", expiring_on_first, NEXT)
    assert not _holds("持证有效", expired_day_before)
    assert _holds("certificate_valid", issued_on_first)
    assert not _holds("certificate_valid", issued_day_after)
    assert _holds("certificate_valid", status_expired_but_in_period)


def test_certificate_cancelled_for_death_stays_valid_in_the_month_of_death(village: str) -> None:
    died_in_m = _person(village, certificate_status="cancelled",
                        certificate_cancel_reason="deceased", living_status="deceased",
                        living_status_on=date(2026, 3, 10))
    moved_before_m = _person(village, certificate_status="cancelled",
                             certificate_cancel_reason="moved_out", living_status="moved_out",
                             living_status_on=LAST_DAY_BEFORE)
    own_request = _person(village, certificate_status="cancelled",
                          certificate_cancel_reason="own_request")
    assert _holds("certificate_valid", died_in_m)
    assert not _holds("certificate_valid", died_in_m, NEXT)
    assert not _holds("certificate_valid", moved_before_m)
    assert not _holds("certificate_valid", own_request)


def test_no_certificate_or_missing_dates_is_not_valid(village: str) -> None:
    assert not _holds("certificate_valid", _person(village, certificate_status="none"))
    assert not _holds("certificate_valid", _person(village, certificate_issued_on=None))
    assert not _holds("certificate_valid", _person(village, certificate_valid_until=None))


def test_enrolable_needs_alive_in_county_and_valid_certificate(village: str) -> None:
    assert _holds("enrolable", _person(village))
    assert not _holds("可纳入", _person(village, living_status="deceased",
                                        living_status_on=LAST_DAY_BEFORE))
    assert not _holds("enrolable", _person(village, living_status="moved_out",
                                           living_status_on=LAST_DAY_BEFORE))
    assert not _holds("enrolable", _person(village, certificate_valid_until=LAST_DAY_BEFORE))


AGE_BIRTHS = [date(2008, 2, 29), date(2008, 3, 1), date(2008, 2, 28), date(2008, 3, 2),
              date(2007, 3, 1), date(2009, 3, 1), date(1966, 3, 1), date(1966, 2, 28)]
AGE_MONTHS = [date(2026, 2, 1), date(2026, 3, 1), date(2025, 3, 1), date(2027, 3, 1)]


def test_age_in_full_years_at_the_first_of_the_month_including_29_february(
        village: str) -> None:
    leap = _person(village, birth_date=date(2008, 2, 29))
    assert facts_for(leap, date(2026, 2, 1)).age == 17
    assert facts_for(leap, date(2026, 3, 1)).age == 18
    assert not _holds("age >= 18", leap, date(2026, 2, 1))
    assert _holds("年龄 >= 18", leap, date(2026, 3, 1))
    birthday_on_first = _person(village, birth_date=date(2008, 3, 1))
    assert _holds("age == 18", birthday_on_first)
    assert _holds("age == 17", _person(village, birth_date=date(2008, 3, 2)))


OPERATORS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
             ">": operator.gt, ">=": operator.ge}


def test_age_comparisons_compile_to_the_same_answer_for_every_operator(village: str) -> None:
    persons = [_person(village, birth_date=birth) for birth in AGE_BIRTHS]
    for month, op, years in itertools.product(AGE_MONTHS, ["==", "!=", "<", "<=", ">", ">="],
                                              [17, 18, 60]):
        rule = parse(f"age {op} {years}")
        selected = set(Person.objects.filter(rule.q(month)).values_list("pk", flat=True))
        for person in persons:
            facts = facts_for(person, month)
            expected = OPERATORS[op](facts.age, years)
            assert rule.evaluate(facts).ok == expected
            assert (person.pk in selected) == expected, (person.birth_date, month, op, years)


def test_household_status_periods_count_in_their_first_and_last_month(village: str) -> None:
    starting = _household(village, ("dibao", M, None))
    ending = _household(village, ("dibao", date(2025, 1, 1), M))
    ended_before = _household(village, ("dibao", date(2025, 1, 1), date(2026, 2, 1)))
    starting_after = _household(village, ("dibao", NEXT, None))
    other_kind = _household(village, ("tekun", date(2025, 1, 1), None))
    assert _holds("dibao", _person(village, household=starting))
    assert not _holds("dibao", _person(village, household=starting), LAST_DAY_BEFORE)
    assert _holds("低保", _person(village, household=ending))
    assert not _holds("dibao", _person(village, household=ending), NEXT)
    assert not _holds("dibao", _person(village, household=ended_before))
    assert not _holds("dibao", _person(village, household=starting_after))
    assert not _holds("dibao", _person(village, household=other_kind))
    assert _holds("特困", _person(village, household=other_kind))
    assert not _holds("dibao or tekun or orphan or work_injury_care", _person(village))


def test_missing_grade_fails_a_comparison_and_passes_its_negation(village: str) -> None:
    ungraded = _person(village, category=None, grade=None)
    assert not _holds("grade in (1, 2)", ungraded)
    assert _holds("not (grade in (1, 2))", ungraded)
    assert _holds("grade not in (1, 2)", ungraded)
    assert _holds("grade != 3", ungraded)
    assert not _holds("grade == 3 or grade < 3 or grade > 3", ungraded)
    assert not _holds("severe", ungraded)
    assert _holds("not severe and not category == 4", ungraded)


def test_region_matches_by_prefix(regions: dict[str, str]) -> None:
    a = _person(regions["village_a"])
    b = _person(regions["village_b"])
    assert _holds('region in ("520322101")', a)
    assert not _holds('region in ("520322101")', b)
    assert _holds('户籍地 == "520322000000"', b)  # a 12-digit county code means the county
    assert _holds(f'region == "{regions["village_b"]}"', b)
    assert _holds('region not in ("520322101", "610921")', b)


def test_sex_education_and_employment_compare_as_text(village: str) -> None:
    woman = _person(village, sex="F", education="初中", employment_status="")
    assert _holds('sex == "女"', woman)
    assert _holds("性别 != 男", woman)
    assert _holds('education in ("小学", "初中")', woman)
    assert _holds('employment_status == ""', woman)
    assert not _holds('就业状况 == "务农"', woman)


# ---------------------------------------------------------------- DOMAIN.md §0.3 as rules


def test_living_allowance_requires_dibao_in_the_month(village: str) -> None:
    in_dibao = _person(village, household=_household(village, ("dibao", M, M)))
    assert _holds(LIVING_ALLOWANCE, in_dibao)
    assert not _holds(LIVING_ALLOWANCE, in_dibao, NEXT)  # left dibao: stops the month after
    assert not _holds(LIVING_ALLOWANCE, _person(village))


def test_care_subsidy_requires_grade_1_or_2_and_long_term_care(village: str) -> None:
    assert _holds(CARE_SUBSIDY, _person(village, grade=2))
    assert not _holds(CARE_SUBSIDY, _person(village, grade=3))
    assert not _holds(CARE_SUBSIDY, _person(village, needs_long_term_care=False))
    assert _holds("enrolable and severe and needs_long_term_care", _person(village, grade=1))


def test_care_subsidy_county_option_adds_grade_3_intellectual_and_mental(village: str) -> None:
    option = ("enrolable and needs_long_term_care "
              "and (grade in (1, 2) or (grade == 3 and category in (智力, 精神)))")
    assert _holds(option, _person(village, category=5, grade=3))
    assert _holds(option, _person(village, category=6, grade=3))
    assert not _holds(option, _person(village, category=4, grade=3))


def test_tekun_excludes_both_subsidies(village: str) -> None:
    tekun = _household(village, ("dibao", M, None), ("tekun", M, None))
    person = _person(village, household=tekun)
    assert not _holds(LIVING_ALLOWANCE, person)
    assert not _holds(CARE_SUBSIDY, person)


def test_work_injury_care_excludes_both_subsidies(village: str) -> None:
    person = _person(village, household=_household(village, ("dibao", M, None),
                                                    ("work_injury_care", M, None)))
    assert not _holds(LIVING_ALLOWANCE, person)
    assert not _holds(CARE_SUBSIDY, person)


def test_orphan_gets_the_care_subsidy_only(village: str) -> None:
    person = _person(village, household=_household(village, ("dibao", M, None),
                                                    ("orphan", M, None)))
    assert not _holds(LIVING_ALLOWANCE, person)
    assert _holds(CARE_SUBSIDY, person)


def test_both_subsidies_may_be_held_together(village: str) -> None:
    person = _person(village, household=_household(village, ("dibao", M, None)))
    assert _holds(LIVING_ALLOWANCE, person) and _holds(CARE_SUBSIDY, person)


def test_subsidies_stop_the_month_after_death_moving_out_or_expiry(village: str) -> None:
    dibao = ("dibao", date(2025, 1, 1), None)
    died = _person(village, household=_household(village, dibao), living_status="deceased",
                   living_status_on=date(2026, 3, 15))
    moved = _person(village, household=_household(village, dibao),
                    living_status="moved_out", living_status_on=date(2026, 3, 15))
    expired = _person(village, household=_household(village, dibao),
                      certificate_valid_until=date(2026, 3, 15))
    for person in (died, moved, expired):
        assert _holds(LIVING_ALLOWANCE, person)
        assert not _holds(LIVING_ALLOWANCE, person, NEXT)


# ---------------------------------------------------------------- explanations


def test_explanation_gives_the_value_and_the_requirement(village: str) -> None:
    verdict = _verdict(CARE_SUBSIDY, _person(village, grade=3))
    assert not verdict.ok
    assert verdict.summary() == "残疾等级为三级，要求一级或二级"
    assert [clause.text for clause in verdict.failing()] == ["grade in (1, 2)"]
    assert verdict.clauses[0] == Clause(
        text="enrolable", ok=True, reason="符合：可纳入（在世、户籍在本县、持有效残疾人证）")
    assert len(verdict.clauses) == 5


@pytest.mark.parametrize(("text", "fields", "reason"), [
    ("age >= 18", {"birth_date": date(2008, 6, 1)}, "年龄 17 岁，要求不小于 18 岁"),
    ("age < 18", {"birth_date": date(2000, 6, 1)}, "年龄 25 岁，要求小于 18 岁"),
    ("not (age >= 60)", {"birth_date": date(1950, 6, 1)}, "年龄 75 岁，要求小于 60 岁"),
    ("dibao", {}, "家庭未在低保中（2026年3月）"),
    ("certificate_valid", {"certificate_valid_until": date(2025, 1, 1)},
     "残疾人证已于2025年1月1日到期"),
    ("certificate_valid", {"certificate_status": "none"}, "未办理残疾人证"),
    ("certificate_valid", {"certificate_status": "cancelled",
                           "certificate_cancel_reason": "own_request"}, "残疾人证已注销"),
    ("certificate_valid", {"certificate_issued_on": date(2026, 5, 1)},
     "残疾人证于2026年5月1日才发证"),
    ("alive", {"living_status": "deceased", "living_status_on": date(2026, 2, 3)},
     "已于2026年2月3日死亡"),
    ("enrolable", {"living_status": "moved_out", "living_status_on": date(2026, 1, 5)},
     "户籍已于2026年1月5日迁出本县"),
    ("category == 智力", {}, "残疾类别为肢体残疾，要求智力残疾"),
    ("category != 肢体", {}, "残疾类别为肢体残疾，要求不是肢体残疾"),
    ("grade in (1, 2)", {"category": None, "grade": None}, "无残疾等级，要求一级或二级"),
    ("not (grade in (1, 2))", {}, "残疾等级为一级，要求三级或四级"),
    ("severe", {"grade": 4}, "残疾等级为四级，非重度（要求一级或二级）"),
    ("sex == 女", {}, "性别为男，要求为女"),
    ('education in ("小学", "初中")', {}, "文化程度未登记，要求为“小学”或“初中”"),
    ('region in ("520322103")', {}, "，要求在区划 520322103 内"),
    ("needs_long_term_care", {"needs_long_term_care": False}, "未登记需长期照护"),
    ("dibao or grade == 3", {}, "家庭未在低保中（2026年3月）；残疾等级为一级，要求三级"),
])
def test_failing_clause_reason(village: str, text: str, fields: dict[str, Any],
                               reason: str) -> None:
    verdict = _verdict(text, _person(village, **fields))
    assert not verdict.ok
    assert reason in verdict.summary()


def test_passing_rule_summarises_as_fu_he_with_reasons(village: str) -> None:
    person = _person(village, household=_household(village, ("tekun", M, None)))
    verdict = _verdict("持证有效 且 非 低保 且 (特困 或 年龄 < 18)", person)
    assert verdict.ok and verdict.summary() == "符合" and verdict.failing() == []
    assert [(c.text, c.reason) for c in verdict.clauses] == [
        ("持证有效", "符合：持有效残疾人证"),
        ("非 低保", "符合：家庭未在低保中（2026年3月）"),
        ("(特困 或 年龄 < 18)", "符合：家庭在特困供养中（2026年3月）"),
    ]


def test_not_reports_the_fact_that_failed_it(village: str) -> None:
    person = _person(village, household=_household(village, ("tekun", M, None)))
    assert _verdict(LIVING_ALLOWANCE, person).failing()[1] == Clause(
        text="not tekun", ok=False, reason="家庭在特困供养中（2026年3月）")


def test_facts_built_by_hand_explain_without_dates() -> None:
    facts = Facts(alive=False, in_county=True, certificate_valid=True, enrolable=False,
                  category=None, grade=None, severe=False, needs_long_term_care=False, age=40,
                  sex="男", education="", employment_status="", dibao=False, tekun=False,
                  orphan=False, work_injury_care=False, region="520322101001",
                  living_status="deceased")
    verdict = parse("enrolable and dibao").evaluate(facts)
    assert [c.reason for c in verdict.clauses] == ["已死亡（未登记死亡日期）", "家庭未在低保中"]


# ---------------------------------------------------------------- queries


def test_facts_for_takes_one_query_and_none_without_household(
        village: str, django_assert_num_queries: Any) -> None:
    with_household = _person(village, household=_household(village, ("dibao", M, None)))
    without = _person(village)
    with django_assert_num_queries(1):
        assert facts_for(with_household, M).dibao
    with django_assert_num_queries(0):
        assert not facts_for(without, M).dibao


def test_rule_is_one_query_over_the_registry_and_evaluation_none(
        village: str, django_assert_num_queries: Any) -> None:
    dibao = _household(village, ("dibao", M, None), ("orphan", M, None))
    for grade in (1, 2, 3, 4):
        _person(village, household=dibao, grade=grade)
    rule = parse(CARE_SUBSIDY + " and age >= 18 and region in (\"520322\")")
    with django_assert_num_queries(1):
        assert len(list(Person.objects.filter(rule.q(M)))) == 2
    facts = facts_for(Person.objects.first(), M)  # type: ignore[arg-type]
    with django_assert_num_queries(0):
        rule.evaluate(facts)


# ---------------------------------------------------------------- vocabulary and docs


def test_every_field_has_a_chinese_alias_label_and_description() -> None:
    facts_fields = set(Facts.__dataclass_fields__)
    for name, spec in FIELDS.items():
        assert spec.name == name and name in facts_fields
        assert spec.aliases and not spec.aliases[0].isascii()
        assert spec.label and spec.description and spec.type_label
        assert parse(spec.aliases[0]).fields == {name} if spec.type == "bool" else True


def test_docs_describe_every_field_and_alias() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text("utf-8")
    for spec in FIELDS.values():
        assert f"`{spec.name}`" in text
        for alias in spec.aliases:
            assert f"`{alias}`" in text
