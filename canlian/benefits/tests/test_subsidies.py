"""The two subsidies exactly as DOMAIN.md §0.3, through the eligibility run over the registry
and the one-person self-check (both must say the same)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from canlian.benefits.eligibility import eligibility_run_execute, eligibility_run_start
from canlian.benefits.eligibility import person_self_check as self_check
from canlian.benefits.models import EligibilityGap, GapKind, Policy
from canlian.benefits.tests.helpers import enrol, holder, household_status, load_catalog
from canlian.core.models import User
from canlian.registry.models import Person

MARCH = date(2026, 3, 1)


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


def _eligible(person: Person, code: str, month: date = MARCH) -> bool:
    """The self-check verdict, asserted equal to the set-based run's answer."""
    verdicts = {c.policy.code: c.verdict.ok for c in self_check(person, month)}
    return verdicts[code]


def _run(actor: User, month: date = MARCH) -> dict[str, dict[str, int]]:
    return eligibility_run_execute(run=eligibility_run_start(actor=actor, month=month))


def test_living_allowance_requires_dibao_in_the_month(
    catalog: dict[str, Policy], regions: dict[str, str]
) -> None:
    """§0.3 living_allowance: enrolable AND the household is in 低保 in M."""
    in_dibao = holder(regions["village_a"], dibao_from=date(2025, 6, 1))
    left_dibao = holder(regions["village_a"], dibao_from=date(2024, 1, 1),
                        dibao_to=date(2026, 2, 1))
    later = holder(regions["village_a"], dibao_from=date(2026, 4, 1))
    assert _eligible(in_dibao, "living_allowance")
    assert not _eligible(left_dibao, "living_allowance")
    assert not _eligible(later, "living_allowance")
    assert _eligible(later, "living_allowance", date(2026, 4, 1))


def test_living_allowance_amount_by_age_band(catalog: dict[str, Policy],
                                             regions: dict[str, str]) -> None:
    """§0.3 reference rates: 100/month under 18, 60/month from 18."""
    child = holder(regions["village_a"], birth=date(2010, 3, 2), dibao_from=date(2025, 1, 1))
    checks = {c.policy.code: c for c in self_check(child, MARCH)}
    assert checks["living_allowance"].amount == Decimal("100.00")
    checks = {c.policy.code: c for c in self_check(child, date(2028, 4, 1))}
    assert checks["living_allowance"].amount == Decimal("60.00")  # 18 on 2028-03-02


def test_care_subsidy_needs_grade_1_or_2_and_long_term_care(
    catalog: dict[str, Policy], regions: dict[str, str]
) -> None:
    """§0.3 care_subsidy: grade 1 or 2 AND needs long-term care; grade 3 (any category) not
    included by default (the county option is off)."""
    v = regions["village_a"]
    assert _eligible(holder(v, grade=1, care=True), "care_subsidy")
    assert _eligible(holder(v, grade=2, care=True), "care_subsidy")
    assert not _eligible(holder(v, grade=2, care=False), "care_subsidy")
    assert not _eligible(holder(v, grade=3, category=5, care=True), "care_subsidy")


def test_care_subsidy_amounts_by_grade(catalog: dict[str, Policy],
                                       regions: dict[str, str]) -> None:
    """§0.3 reference rates: care_subsidy grade 1: 120, grade 2: 80."""
    v = regions["village_a"]
    one = {c.policy.code: c for c in self_check(holder(v, grade=1, care=True), MARCH)}
    two = {c.policy.code: c for c in self_check(holder(v, grade=2, care=True), MARCH)}
    assert one["care_subsidy"].amount == Decimal("120.00")
    assert two["care_subsidy"].amount == Decimal("80.00")


def test_enrolable_requires_alive_at_start_of_month(catalog: dict[str, Policy],
                                                    regions: dict[str, str]) -> None:
    """§0.3 enrolable: alive at the start of M; a death in M still counts for M."""
    v = regions["village_a"]
    died_in_march = holder(v, grade=1, care=True, living_status="deceased",
                           living_status_on=date(2026, 3, 15))
    died_in_feb = holder(v, grade=1, care=True, living_status="deceased",
                         living_status_on=date(2026, 2, 28))
    assert _eligible(died_in_march, "care_subsidy")
    assert not _eligible(died_in_march, "care_subsidy", date(2026, 4, 1))
    assert not _eligible(died_in_feb, "care_subsidy")


def test_enrolable_requires_hukou_in_the_county(catalog: dict[str, Policy],
                                                regions: dict[str, str]) -> None:
    """§0.3 enrolable: hukou region inside the county; a move out stops from the next month."""
    v = regions["village_a"]
    moved = holder(v, grade=1, care=True, living_status="moved_out",
                   living_status_on=date(2026, 2, 10))
    assert _eligible(moved, "care_subsidy", date(2026, 2, 1))
    assert not _eligible(moved, "care_subsidy")
    elsewhere = holder(regions["other_county"], grade=1, care=True)
    assert "care_subsidy" not in {c.policy.code for c in self_check(elsewhere, MARCH)}


def test_enrolable_requires_certificate_valid_on_the_first(catalog: dict[str, Policy],
                                                           regions: dict[str, str]) -> None:
    """§0.3 enrolable: certificate valid on the 1st of M (not expired, not cancelled)."""
    v = regions["village_a"]
    expires_on_first = holder(v, grade=1, care=True, valid_until=date(2026, 3, 1))
    expired_before = holder(v, grade=1, care=True, valid_until=date(2026, 2, 28))
    cancelled = holder(v, grade=1, care=True, status="cancelled",
                       certificate_cancel_reason="own_request")
    assert _eligible(expires_on_first, "care_subsidy")
    assert not _eligible(expired_before, "care_subsidy")
    assert not _eligible(cancelled, "care_subsidy")


def test_tekun_gets_neither_subsidy(catalog: dict[str, Policy], regions: dict[str, str]) -> None:
    """§0.3: neither subsidy for a person supported as 特困 in M."""
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    household_status(person, "tekun", date(2026, 3, 1))
    assert not _eligible(person, "living_allowance")
    assert not _eligible(person, "care_subsidy")
    assert _eligible(person, "living_allowance", date(2026, 2, 1))


def test_work_injury_care_gets_neither_subsidy(catalog: dict[str, Policy],
                                               regions: dict[str, str]) -> None:
    """§0.3: neither subsidy for one receiving 工伤保险生活护理费."""
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    household_status(person, "work_injury_care", date(2025, 1, 1))
    assert not _eligible(person, "living_allowance")
    assert not _eligible(person, "care_subsidy")


def test_orphan_gets_care_subsidy_only(catalog: dict[str, Policy],
                                       regions: dict[str, str]) -> None:
    """§0.3: an orphan under the orphan basic-living guarantee: care_subsidy only."""
    child = holder(regions["village_a"], birth=date(2014, 1, 1), grade=1, care=True,
                   dibao_from=date(2025, 1, 1))
    household_status(child, "orphan", date(2025, 1, 1))
    assert not _eligible(child, "living_allowance")
    assert _eligible(child, "care_subsidy")


def test_both_subsidies_may_be_held_together(catalog: dict[str, Policy],
                                             regions: dict[str, str]) -> None:
    """§0.3: both may be held together."""
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    assert _eligible(person, "living_allowance") and _eligible(person, "care_subsidy")


def test_run_lists_to_enrol_and_to_stop_with_the_failing_clause(
    catalog: dict[str, Policy], regions: dict[str, str], personas: dict[str, User]
) -> None:
    """The gap lists: 待纳入 (eligible, not enrolled) and 应停发 (enrolled, no longer eligible,
    with the reason)."""
    v = regions["village_a"]
    staff = personas["county_staff"]
    missing = holder(v, name="漏享", grade=1, care=True)
    paid_ok = holder(v, name="在享", grade=2, care=True)
    dead = holder(v, name="已故", grade=1, care=True, living_status="deceased",
                  living_status_on=date(2026, 1, 20))
    for person in (paid_ok, dead):
        enrol(person, catalog["care_subsidy"], date(2025, 1, 1), staff)
    summary = _run(staff)
    assert summary["care_subsidy"] == {"eligible": 2, "enrolled": 2, "to_enrol": 1,
                                       "to_stop": 1, "verify": 0}
    gaps = EligibilityGap.objects.filter(policy=catalog["care_subsidy"])
    to_enrol = gaps.get(kind=GapKind.TO_ENROL)
    assert (to_enrol.person, to_enrol.amount) == (missing, Decimal("120.00"))
    to_stop = gaps.get(kind=GapKind.TO_STOP)
    assert to_stop.person == dead
    assert "2026年1月20日" in to_stop.reason and "死亡" in to_stop.reason


def test_run_is_scoped_to_the_starters_area(
    catalog: dict[str, Policy], regions: dict[str, str], personas: dict[str, User]
) -> None:
    holder(regions["village_a"], grade=1, care=True)
    holder(regions["village_b"], grade=1, care=True)
    county = _run(personas["county_staff"])["care_subsidy"]
    township = _run(personas["township_staff"])["care_subsidy"]
    assert county["to_enrol"] == 2
    assert township["to_enrol"] == 1


def test_a_second_run_gives_the_same_lists(
    catalog: dict[str, Policy], regions: dict[str, str], personas: dict[str, User]
) -> None:
    holder(regions["village_a"], grade=1, care=True)
    run = eligibility_run_start(actor=personas["county_staff"], month=MARCH)
    first = eligibility_run_execute(run=run)
    assert eligibility_run_execute(run=run) == first
    listed = sum(n["to_enrol"] + n["to_stop"] for n in first.values())
    assert listed == 2  # care subsidy and the county's medical-insurance contribution
    assert EligibilityGap.objects.filter(run=run).count() == listed
