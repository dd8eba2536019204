"""One person's facts at month M, computed in Python (the evaluator's side of the rules).

The SQL side (canlian.benefits.rules.sql) computes the same facts in the database; the property
test in tests/test_rules_property.py holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from canlian.registry.models import (
    CancelReason,
    CertificateStatus,
    HouseholdStatus,
    LivingStatus,
    Person,
)

# A certificate cancelled because of death or moving out stays valid until that date
# (DOMAIN.md §0.3: payment stops from the month after the event).
EVENT_CANCEL_REASONS = (CancelReason.DECEASED.value, CancelReason.MOVED_OUT.value)
VALID_STATUSES = (CertificateStatus.VALID.value, CertificateStatus.EXPIRED.value)


@dataclass(frozen=True)
class Facts:
    """The canonical facts (FIELDS), then the evidence the explanations quote."""

    alive: bool
    in_county: bool
    certificate_valid: bool
    enrolable: bool
    category: int | None
    grade: int | None
    severe: bool
    needs_long_term_care: bool
    age: int
    sex: str
    education: str
    employment_status: str
    dibao: bool
    tekun: bool
    orphan: bool
    work_injury_care: bool
    region: str
    # Not held by Canlian (FieldSpec.known is False): always None, so a rule needing it
    # answers 需核实.
    college_student: bool | None = None
    # A disabled person (残疾人: a category or a certificate), not a household member; rules
    # count disabled persons only (registry.models.disabled_condition is the SQL twin).
    disabled: bool = True
    # Evidence (optional): lets reasons name dates, e.g. "残疾人证已于2025年1月1日到期".
    month: date | None = None
    living_status: str = LivingStatus.ALIVE.value
    living_status_on: date | None = None
    certificate_status: str = ""
    certificate_cancel_reason: str = ""
    certificate_issued_on: date | None = None
    certificate_valid_until: date | None = None
    has_household: bool = True


def first_of_month(month: date) -> date:
    return month.replace(day=1)


def age_at(birth: date, day: date) -> int:
    """Full years on `day`; comparing (month, day) tuples keeps a 29 February birth valid."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_alive(living_status: str, living_status_on: date | None, m1: date) -> bool:
    if living_status != LivingStatus.DECEASED:
        return True
    return living_status_on is not None and living_status_on >= m1


def is_in_county(living_status: str, living_status_on: date | None, m1: date) -> bool:
    if living_status != LivingStatus.MOVED_OUT:
        return True
    return living_status_on is not None and living_status_on >= m1


def is_certificate_valid(person: Person, m1: date) -> bool:
    issued, until = person.certificate_issued_on, person.certificate_valid_until
    if issued is None or until is None or not issued <= m1 <= until:
        return False
    if person.certificate_status in VALID_STATUSES:
        return True
    return (person.certificate_status == CertificateStatus.CANCELLED
            and person.certificate_cancel_reason in EVENT_CANCEL_REASONS
            and person.living_status_on is not None and person.living_status_on >= m1)


def facts_for_many(persons: Iterable[Person], month: date) -> dict[int, Facts]:
    """Facts at M for many persons with one query for all their households' statuses."""
    people = list(persons)
    m1 = first_of_month(month)
    kinds: dict[int, set[str]] = {}
    households = {p.household_id for p in people if p.household_id is not None}
    for household_id, kind in (HouseholdStatus.objects.active_in_month(m1)
                               .filter(household_id__in=households)
                               .values_list("household_id", "kind")):
        kinds.setdefault(household_id, set()).add(kind)
    return {p.pk: facts_for(p, m1, kinds=kinds.get(p.household_id, set())) for p in people}


def facts_for(person: Person, month: date, *, kinds: set[str] | None = None) -> Facts:
    """Person's facts at M: one query (the household's statuses active in M), none without a
    household or when the caller already read the statuses (`kinds`)."""
    m1 = first_of_month(month)
    if kinds is None:
        kinds = set()
        if person.household_id is not None:
            kinds = set(HouseholdStatus.objects.active_in_month(m1)
                        .filter(household_id=person.household_id)
                        .values_list("kind", flat=True))
    alive = is_alive(person.living_status, person.living_status_on, m1)
    in_county = is_in_county(person.living_status, person.living_status_on, m1)
    certificate_valid = is_certificate_valid(person, m1)
    return Facts(
        alive=alive, in_county=in_county, certificate_valid=certificate_valid,
        enrolable=alive and in_county and certificate_valid,
        category=person.category, grade=person.grade, severe=person.grade in (1, 2),
        needs_long_term_care=bool(person.needs_long_term_care),
        age=age_at(person.birth_date, m1),
        sex={"M": "男", "F": "女"}.get(person.sex, person.sex),
        education=person.education, employment_status=person.employment_status,
        dibao="dibao" in kinds, tekun="tekun" in kinds, orphan="orphan" in kinds,
        work_injury_care="work_injury_care" in kinds,
        region=person.region_id,
        month=m1, living_status=person.living_status, living_status_on=person.living_status_on,
        certificate_status=person.certificate_status,
        certificate_cancel_reason=person.certificate_cancel_reason,
        certificate_issued_on=person.certificate_issued_on,
        certificate_valid_until=person.certificate_valid_until,
        has_household=person.household_id is not None,
        disabled=person.is_disabled,
    )
