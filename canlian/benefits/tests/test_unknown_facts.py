"""A rule over a fact Canlian does not hold answers 需核实, never 符合; every policy counts
disabled persons (a category or a certificate), never household members without a
disability (DESIGN.md "Data"; issue 16 §6: the example 大专就读资助 counted 19,599 "eligible",
86-year-olds and non-disabled relatives among them)."""

from __future__ import annotations

from datetime import date

import time_machine
from django.test import Client
from django.urls import reverse

from canlian.benefits.eligibility import (
    eligibility_run_execute,
    eligibility_run_start,
    eligible_persons,
    person_self_check,
)
from canlian.benefits.models import EligibilityGap
from canlian.benefits.rules import facts_for, parse
from canlian.benefits.tests.helpers import holder, load_catalog, make_policy
from canlian.core.models import User
from canlian.registry.tests.factories import make_person

MARCH = date(2026, 3, 1)
NOW = "2026-03-15 10:00:00+08:00"


def test_a_clause_on_an_unknown_fact_is_to_verify_unless_a_known_clause_decides(
    regions: dict[str, str]
) -> None:
    severe = holder(regions["village_a"], grade=1)
    mild = holder(regions["village_a"], grade=4)
    facts = facts_for(severe, MARCH)
    verdict = parse("in_county and 大专以上在读").evaluate(facts)
    assert (verdict.ok, verdict.to_verify, verdict.label) == (False, True, "需核实")
    assert verdict.summary().startswith("需核实：大专以上在读")
    assert parse("not 大专以上在读").evaluate(facts).label == "需核实"
    assert parse("severe or 大专以上在读").evaluate(facts).label == "符合"
    assert parse("severe and 大专以上在读").evaluate(facts_for(mild, MARCH)).label == "不符合"
    assert parse("大专以上在读").needs_verification
    assert not parse("severe").needs_verification


def test_household_members_without_a_disability_never_qualify(regions: dict[str, str]) -> None:
    disabled = holder(regions["village_a"], name="残疾人甲")
    member = make_person(region_code=regions["village_a"], name="户内成员",
                         household=disabled.household, head=False)
    verdict = parse("in_county").evaluate(facts_for(member, MARCH))
    assert verdict.label == "不符合" and "不是残疾人" in verdict.summary()
    policy = make_policy("member_test", rule="in_county")
    assert set(eligible_persons(policy, MARCH, prefix="520322")) == {disabled}


@time_machine.travel(NOW, tick=False)
def test_the_college_grant_is_to_verify_in_self_check_panel_and_counts(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """The example 大专就读资助 rule needs 大专以上在读: 需核实 for a disabled person, not 符合;
    its county count holds disabled persons only."""
    grant = load_catalog()["tz_college_grant"]
    person = holder(regions["village_a"], name="大学生", birth=date(2007, 9, 1))
    make_person(region_code=regions["village_a"], name="非残疾亲属", birth=date(1940, 1, 1),
                household=person.household, head=False)
    check = next(c for c in person_self_check(person, MARCH) if c.policy == grant)
    assert (check.verdict.ok, check.verdict.label) == (False, "需核实")
    assert check.amount is not None  # shown, with the apply link, for the application to verify
    client = Client()
    client.force_login(personas["county_staff"])
    html = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    row = html[html.index(grant.name):].split("</tr>")[0]
    assert "需核实" in row and "<strong>符合</strong>" not in row
    run = eligibility_run_start(actor=personas["county_staff"], month=MARCH)
    summary = eligibility_run_execute(run=run)
    assert summary["tz_college_grant"]["eligible"] == 1
    assert summary["tz_college_grant"]["verify"] == 1
    detail = client.get(reverse("benefits:run_detail", args=[run.pk])).content.decode()
    assert "需核实 1 人" in detail


@time_machine.travel(NOW, tick=False)
def test_gap_list_marks_to_verify_rows(personas: dict[str, User],
                                       regions: dict[str, str]) -> None:
    policy = make_policy("verify_test", rule="enrolable and 大专以上在读")
    holder(regions["village_a"], name="待核实", care=True)
    run = eligibility_run_start(actor=personas["county_staff"], month=MARCH)
    eligibility_run_execute(run=run)
    gap = EligibilityGap.objects.get(run=run, policy=policy)
    assert gap.kind == "to_enrol" and gap.reason.startswith("需核实")
    client = Client()
    client.force_login(personas["township_staff"])
    page = client.get(reverse("benefits:gap_list", args=[run.pk, "to_enrol"]),
                      {"policy": policy.code}).content.decode()
    assert "需核实" in page
