"""Payroll (issue #6 §5): frozen lines, idempotent generation, back-pay, 择高, stop after
death (DOMAIN.md §0.3), approval and payment marks, overpayment detection."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from canlian.benefits.models import (
    LineStatus,
    Overpayment,
    PayrollBatch,
    PayrollLine,
    Policy,
    Rate,
)
from canlian.benefits.payroll import (
    overpayments_detect,
    payroll_approve,
    payroll_generate,
    payroll_line_reissue,
    payroll_lines_mark,
)
from canlian.benefits.tests.helpers import enrol, holder, load_catalog, with_account
from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.registry.models import Person

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


@pytest.fixture
def approver(personas: dict[str, User]) -> User:
    """Another county account: the one that generated a batch cannot approve it."""
    return personas["county_staff_2"]


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


def test_generation_pays_enrolled_eligible_people_their_rate(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    care = catalog["care_subsidy"]
    one = holder(regions["village_a"], grade=1, care=True)
    two = holder(regions["village_b"], grade=2, care=True)
    holder(regions["village_a"], grade=1, care=True)  # eligible but not enrolled: not paid
    for person in (one, two):
        enrol(person, care, date(2026, 1, 1), staff)
    batch = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    amounts = dict(batch.lines.values_list("person_id", "amount"))
    assert amounts == {one.pk: Decimal("120.00"), two.pk: Decimal("80.00")}
    assert (batch.line_count, batch.total) == (2, Decimal("200.00"))
    line = batch.lines.get(person=one)
    assert (line.rule_version, line.facts["grade"], line.name) == (1, 1, one.name)


def test_generating_a_period_twice_changes_nothing(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    care = catalog["care_subsidy"]
    enrol(holder(regions["village_a"], grade=1, care=True), care, date(2026, 1, 1), staff)
    first = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    again = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    assert again.pk == first.pk
    assert PayrollLine.objects.count() == 1


def test_a_generated_batch_is_frozen_against_registry_edits(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    care = catalog["care_subsidy"]
    person = holder(regions["village_a"], grade=1, care=True)
    enrol(person, care, date(2026, 1, 1), staff)
    batch = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    Person.objects.filter(pk=person.pk).update(grade=2)
    line = batch.lines.get()
    assert (line.amount, line.facts["grade"]) == (Decimal("120.00"), 1)
    april = payroll_generate(actor=staff, policy=care, period_start=APRIL)
    assert april.lines.get().amount == Decimal("80.00")


def test_payment_stops_from_the_month_after_death(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    """DOMAIN.md §0.3: stops from the month after death."""
    care = catalog["care_subsidy"]
    person = holder(regions["village_a"], grade=1, care=True, living_status="deceased",
                    living_status_on=date(2026, 3, 20))
    enrol(person, care, date(2026, 1, 1), staff)
    assert payroll_generate(actor=staff, policy=care, period_start=MARCH).line_count == 1
    april = payroll_generate(actor=staff, policy=care, period_start=APRIL)
    assert (april.line_count, april.excluded) == (0, 1)


def test_late_approval_is_back_paid_in_the_next_batch(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    """Payment starts the month the application was submitted (DOMAIN.md §0.3): months whose
    batch was generated before the approval are paid as 补发 lines, once."""
    care = catalog["care_subsidy"]
    payroll_generate(actor=staff, policy=care, period_start=date(2026, 2, 1))
    payroll_generate(actor=staff, policy=care, period_start=MARCH)
    person = holder(regions["village_a"], grade=2, care=True)
    enrol(person, care, date(2026, 2, 1), staff)  # applied in February, approved in April
    april = payroll_generate(actor=staff, policy=care, period_start=APRIL)
    lines = sorted(april.lines.values_list("period", "is_backpay", "amount"))
    assert lines == [(date(2026, 2, 1), True, Decimal("80.00")),
                     (date(2026, 3, 1), True, Decimal("80.00")),
                     (APRIL, False, Decimal("80.00"))]
    may = payroll_generate(actor=staff, policy=care, period_start=date(2026, 5, 1))
    assert list(may.lines.values_list("period", flat=True)) == [date(2026, 5, 1)]


def test_both_subsidies_are_paid_together(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    """DOMAIN.md §0.3: both may be held together."""
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    for code in ("living_allowance", "care_subsidy"):
        enrol(person, catalog[code], date(2026, 1, 1), staff)
        payroll_generate(actor=staff, policy=catalog[code], period_start=MARCH)
    assert sorted(PayrollLine.objects.values_list("policy__code", "amount")) == [
        ("care_subsidy", Decimal("120.00")), ("living_allowance", Decimal("60.00"))]


def test_exclusivity_group_pays_only_the_higher_policy(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    """择高 (DOMAIN.md §3.1): within one group only the highest amount is paid."""
    living = catalog["living_allowance"]
    elderly = Policy.objects.create(code="elderly_allowance", name="高龄生活津贴", level="county",
                                    category="living", region_id=living.region_id,
                                    exclusivity_group=living.exclusivity_group)
    elderly.rule_versions.create(number=1, text="alive and age >= 80")
    Rate.objects.create(policy=elderly, label="80岁以上", amount=Decimal("90.00"),
                        effective_from=date(2020, 1, 1))
    old = holder(regions["village_a"], birth=date(1940, 1, 1), dibao_from=date(2025, 1, 1))
    young = holder(regions["village_a"], birth=date(1980, 1, 1), dibao_from=date(2025, 1, 1))
    enrol(old, living, date(2026, 1, 1), staff)
    enrol(young, living, date(2026, 1, 1), staff)
    enrol(old, elderly, date(2026, 1, 1), staff)
    living_batch = payroll_generate(actor=staff, policy=living, period_start=MARCH)
    elderly_batch = payroll_generate(actor=staff, policy=elderly, period_start=MARCH)
    assert list(living_batch.lines.values_list("person_id", flat=True)) == [young.pk]
    assert list(elderly_batch.lines.values_list("person_id", "amount")) == [
        (old.pk, Decimal("90.00"))]


def test_quarterly_policy_pays_three_months_in_one_batch(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User
) -> None:
    """The period is configurable (陕西 2016 paid quarterly, DOMAIN.md §3.2)."""
    care = catalog["care_subsidy"]
    Policy.objects.filter(pk=care.pk).update(period="quarterly")
    care.refresh_from_db()
    enrol(holder(regions["village_a"], grade=1, care=True), care, date(2026, 1, 1), staff)
    with pytest.raises(DomainError):
        payroll_generate(actor=staff, policy=care, period_start=date(2026, 2, 1))
    batch = payroll_generate(actor=staff, policy=care, period_start=APRIL)
    assert sorted(batch.lines.values_list("period", flat=True)) == [
        APRIL, date(2026, 5, 1), date(2026, 6, 1)]
    assert batch.total == Decimal("360.00")


def test_approve_and_pay_are_idempotent(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User, approver: User
) -> None:
    care = catalog["care_subsidy"]
    a = with_account(holder(regions["village_a"], grade=1, care=True))
    b = with_account(holder(regions["village_a"], grade=2, care=True))
    for person in (a, b):
        enrol(person, care, date(2026, 1, 1), staff)
    batch = payroll_generate(actor=staff, policy=care, period_start=MARCH)
    with pytest.raises(DomainError):
        payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid")
    assert payroll_approve(actor=approver, batch=batch) is True
    assert payroll_approve(actor=approver, batch=batch) is False
    line_b = batch.lines.get(person=b)
    assert payroll_lines_mark(actor=staff, batch=batch, line_ids=[line_b.pk], status="failed",
                              reason="账户已销户") == 1
    assert payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid") == 1
    assert payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid") == 0
    paid_at = batch.lines.get(person=a).paid_at
    payroll_line_reissue(actor=staff, line=line_b)
    payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid")
    assert batch.lines.get(person=a).paid_at == paid_at
    line_b.refresh_from_db()
    assert (line_b.status, line_b.reissues) == (LineStatus.PAID, 1)


def test_death_learned_after_payment_becomes_an_overpayment_once(
    catalog: dict[str, Policy], regions: dict[str, str], staff: User, approver: User
) -> None:
    care = catalog["care_subsidy"]
    person = with_account(holder(regions["village_a"], grade=1, care=True))
    enrol(person, care, date(2026, 1, 1), staff)
    for month in (MARCH, APRIL):
        batch = payroll_generate(actor=staff, policy=care, period_start=month)
        payroll_approve(actor=approver, batch=batch)
        payroll_lines_mark(actor=staff, batch=batch, line_ids=None, status="paid")
    Person.objects.filter(pk=person.pk).update(living_status="deceased",
                                                living_status_on=date(2026, 3, 5))
    assert overpayments_detect(actor=staff) == 1
    assert overpayments_detect(actor=staff) == 0
    record = Overpayment.objects.get()
    assert (record.line.period, record.amount) == (APRIL, Decimal("120.00"))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_generation_leaves_no_duplicate_line(region_data: None,
                                                        personas: dict[str, User],
                                                        audit_flush_allowed: None) -> None:
    """Two staff generating the same period at the same moment: one batch, one line each."""
    catalog = load_catalog()
    staff = personas["county_staff"]
    care = catalog["care_subsidy"]
    for i in range(20):
        enrol(holder("520322101001", grade=1, care=True, name=f"并发{i}"), care,
              date(2026, 1, 1), staff)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def generate() -> None:
        try:
            barrier.wait()
            payroll_generate(actor=staff, policy=care, period_start=MARCH)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert PayrollBatch.objects.count() == 1
    assert PayrollLine.objects.count() == 20
