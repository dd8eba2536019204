"""Confirm applies exactly the proposed change through the registry / benefits services and
writes audit; dismiss changes nothing; only a county_admin confirms a whole class (issue #8 §3)."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.benefits.models import Enrolment, EnrolmentStatus, Overpayment, Policy
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User
from canlian.crosscheck.models import Finding, FindingKind, FindingStatus
from canlian.crosscheck.services import (
    finding_confirm,
    finding_dismiss,
    findings_confirm_class,
)
from canlian.crosscheck.tests.helpers import import_list
from canlian.crosscheck.tests.test_findings import _paid_line
from canlian.registry.models import HouseholdStatus, Person
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


def _snapshot() -> dict[str, list[object]]:
    return {"persons": list(Person.objects.order_by("pk").values()),
            "statuses": list(HouseholdStatus.objects.order_by("pk").values()),
            "enrolments": list(Enrolment.objects.order_by("pk").values())}


def test_confirm_death_marks_the_person_deceased_and_audits(
        staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    other = make_person(region_code=regions["village_a"], name="李四")
    import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    before_other = Person.objects.filter(pk=other.pk).values().get()
    finding = finding_confirm(actor=staff, finding=Finding.objects.get())
    person.refresh_from_db()
    assert (person.living_status, person.living_status_on) == ("deceased", date(2026, 1, 15))
    assert Person.objects.filter(pk=other.pk).values().get() == before_other
    assert finding.status == FindingStatus.CONFIRMED and finding.decided_by == staff
    assert person.history.first().history_user == staff
    assert AuditEvent.objects.filter(object_type="crosscheck.finding",
                                     summary__startswith="确认").count() == 1
    assert AuditEvent.objects.filter(object_type="registry.person",
                                     object_id=str(person.pk)).count() == 1


def test_dismiss_changes_nothing_but_needs_a_reason(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    finding = Finding.objects.get()
    before = _snapshot()
    with pytest.raises(DomainError):
        finding_dismiss(actor=staff, finding=finding, reason=" ")
    finding_dismiss(actor=staff, finding=finding, reason="民政数据有误，已核实本人健在")
    assert _snapshot() == before
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED
    assert AuditEvent.objects.filter(summary__startswith="排除比对发现").count() == 1


def test_confirm_twice_is_refused(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    finding = finding_confirm(actor=staff, finding=Finding.objects.get())
    with pytest.raises(DomainError):
        finding_confirm(actor=staff, finding=finding)


def test_confirm_enrolled_after_death_stops_from_the_month_after(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True)
    enrolment = enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    import_list(staff, "deaths", [[person.name, person.id_number, "2026-01-15", ""]])
    finding_confirm(actor=staff, finding=Finding.objects.get(kind=FindingKind.DECEASED_ENROLLED))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.TERMINATED
    assert enrolment.end_month == date(2026, 1, 1)  # January paid, February on not
    person.refresh_from_db()
    assert person.living_status == "alive"  # exactly the stop: the death is its own finding


def test_confirm_paid_after_death_records_the_overpayment(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=2, care=True)
    for month in (date(2026, 1, 1), date(2026, 2, 1)):
        _paid_line(person, catalog["care_subsidy"], month, staff)
    import_list(staff, "deaths", [[person.name, person.id_number, "2026-01-15", ""]])
    paid = Finding.objects.get(kind=FindingKind.PAID_AFTER_DEATH)
    with pytest.raises(DomainError):  # the death must be recorded first
        finding_confirm(actor=staff, finding=paid)
    finding_confirm(actor=staff, finding=Finding.objects.get(kind=FindingKind.DECEASED_ALIVE))
    finding_confirm(actor=staff, finding=paid)
    assert [str(o.amount) for o in Overpayment.objects.all()] == ["80.00"]


def test_confirm_dibao_start_records_the_period(staff: User, regions: dict[str, str]) -> None:
    person = holder(regions["village_a"])
    import_list(staff, "dibao", [[person.name, person.id_number, "", "农村低保", "2026-01", ""]])
    finding_confirm(actor=staff, finding=Finding.objects.get())
    status = HouseholdStatus.objects.get(household_id=person.household_id)
    assert (status.kind, status.start_month, status.end_month) == ("dibao", date(2026, 1, 1),
                                                                   None)
    assert status.history.first().history_user == staff


def test_confirm_dibao_end_closes_period_and_stops_living_allowance(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], dibao_from=date(2024, 1, 1))
    living = enrol(person, catalog["living_allowance"], date(2024, 6, 1), staff)
    import_list(staff, "dibao", [[person.name, person.id_number, "", "农村低保", "2024-01",
                                  "2026-01"]])
    finding_confirm(actor=staff, finding=Finding.objects.get(kind=FindingKind.STATUS_END))
    assert HouseholdStatus.objects.get().end_month == date(2026, 1, 1)
    living.refresh_from_db()
    assert living.status == EnrolmentStatus.TERMINATED and living.end_month == date(2026, 1, 1)


def test_confirm_tekun_stops_the_subsidy_from_its_start(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True)
    care = enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    import_list(staff, "dibao", [[person.name, person.id_number, "", "特困供养", "2026-02", ""]])
    finding_confirm(actor=staff, finding=Finding.objects.get(kind=FindingKind.STATUS_EXCLUDES))
    care.refresh_from_db()
    assert care.status == EnrolmentStatus.TERMINATED and care.end_month == date(2026, 1, 1)


def test_only_county_staff_confirm_a_class_and_only_exact_matches(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Issue #8 §3; issue #17 §6: the 系统管理员 handles no business personal data."""
    exact = make_person(region_code=regions["village_a"], name="王五")
    renamed = make_person(region_code=regions["village_a"], name="李四")
    import_list(personas["county_staff"], "deaths", [
        ["王五", exact.id_number, "2026-01-15", ""], ["李思", renamed.id_number, "2026-01-20", ""]])
    for role in ("county_admin", "township_staff"):
        with pytest.raises(DomainError):
            findings_confirm_class(actor=personas[role], kind=FindingKind.DECEASED_ALIVE)
    outcome = findings_confirm_class(actor=personas["county_staff"],
                                     kind=FindingKind.DECEASED_ALIVE)
    assert outcome.confirmed == 1 and outcome.failed == []
    assert Person.objects.get(pk=exact.pk).living_status == "deceased"
    assert Person.objects.get(pk=renamed.pk).living_status == "alive"  # name differs: by hand


def test_out_of_jurisdiction_confirm_is_refused(personas: dict[str, User],
                                                regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_b"], name="王五")
    import_list(personas["county_staff"], "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    township_a = personas["township_staff"]
    with pytest.raises(DomainError):
        finding_confirm(actor=township_a, finding=Finding.objects.get())
