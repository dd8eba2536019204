"""Crafted registry people for the benefits tests (DOMAIN.md §0.3 situations)."""

from __future__ import annotations

from datetime import date
from typing import Any

from canlian.benefits.catalog import SHIPPED_CATALOG, policies_load
from canlian.benefits.models import Enrolment, EnrolmentStatus, Policy
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import User
from canlian.registry.models import HouseholdStatus, Person
from canlian.registry.tests.factories import make_id_number, make_person


def load_catalog() -> dict[str, Policy]:
    policies_load(actor=None, text=SHIPPED_CATALOG.read_text(encoding="utf-8"))
    return {p.code: p for p in Policy.objects.all()}


def holder(village: str, *, name: str = "张三", birth: date = date(1970, 5, 1), grade: int = 2,
           category: int = 4, issued: date = date(2020, 1, 1),
           valid_until: date = date(2030, 1, 1), care: bool = False,
           dibao_from: date | None = None, dibao_to: date | None = None,
           status: str | None = None, **fields: Any) -> Person:
    """A certificate holder in `village`, optionally in a dibao household from `dibao_from`."""
    number = make_id_number(birth)
    person = make_person(region_code=village, name=name, birth=birth, id_number=number,
                         category=category, grade=grade,
                         certificate_number=build_certificate_number(
                             id_number=number, category=category, grade=grade),
                         certificate_issued_on=issued, certificate_valid_until=valid_until,
                         needs_long_term_care=care, **fields)
    if status:
        Person.objects.filter(pk=person.pk).update(certificate_status=status)
        person.refresh_from_db()
    if dibao_from:
        household_status(person, "dibao", dibao_from, dibao_to)
    return person


def household_status(person: Person, kind: str, start: date, end: date | None = None) -> None:
    HouseholdStatus.objects.create(household_id=person.household_id, kind=kind,
                                   start_month=start, end_month=end)


def enrol(person: Person, policy: Policy, start: date, actor: User) -> Enrolment:
    """An enrolment already decided (the workflow itself is tested in test_enrolments)."""
    return Enrolment.objects.create(person=person, policy=policy, region_id=person.region_id,
                                    status=EnrolmentStatus.ENROLLED, applied_month=start,
                                    start_month=start, applied_by=actor)


def with_account(person: Person) -> Person:
    """A payee account, so the person's payroll lines are not blocked (阻断)."""
    from canlian.benefits.models import PaymentAccount

    PaymentAccount.objects.create(person=person, bank="贵州农村信用社",
                                  account_number=f"6224{person.pk:015d}", holder=person.name)
    return person


def make_policy(code: str = "test_care", *, region: str = "520322000000",
                rule: str = "enrolable and severe", amount: str = "100.00",
                **fields: Any) -> Policy:
    """A small policy for page and matrix tests (the shipped catalog is tested elsewhere)."""
    from decimal import Decimal

    defaults = {"name": "测试补贴", "level": "county", "category": "care",
                "review_steps": ["township", "county"]}
    policy = Policy.objects.create(code=code, region_id=region, **{**defaults, **fields})
    policy.rule_versions.create(number=1, text=rule)
    policy.rates.create(label="标准", amount=Decimal(amount), effective_from=date(2016, 1, 1))
    return policy
