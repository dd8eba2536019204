"""Each finding kind on crafted data (issue #8 §3), DOMAIN.md §0.3 for what stops a subsidy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from canlian.benefits.models import LineStatus, PayrollBatch, PayrollLine, Policy
from canlian.benefits.tests.helpers import enrol, holder, load_catalog
from canlian.core.models import User
from canlian.crosscheck.models import Finding, FindingKind, FindingStatus, MatchQuality
from canlian.crosscheck.tests.helpers import MARCH, import_list
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


@pytest.fixture
def catalog(regions: dict[str, str]) -> dict[str, Policy]:
    return load_catalog()


def kinds(report_dataset: int | None) -> dict[str, int]:
    found: dict[str, int] = {}
    for kind in Finding.objects.filter(dataset_id=report_dataset).values_list("kind", flat=True):
        found[kind] = found.get(kind, 0) + 1
    return found


def test_deceased_in_list_but_alive_in_registry(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", "县医院"]])
    assert report.errors == [] and report.matched == 1
    finding = Finding.objects.get(kind=FindingKind.DECEASED_ALIVE)
    assert finding.person_id == person.pk and finding.match == MatchQuality.EXACT
    assert finding.detail["event_on"] == "2026-01-15" and finding.detail["place"] == "县医院"
    assert finding.region_code == regions["village_a"]


def test_dead_person_already_marked_gives_no_finding(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], living_status="deceased",
                         living_status_on=date(2026, 1, 15))
    report = import_list(staff, "deaths", [["张三", person.id_number, "2026-01-15", ""]])
    assert kinds(report.dataset_id) == {}


def test_deceased_and_still_enrolled_one_finding_per_enrolment(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    care = enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    living = enrol(person, catalog["living_allowance"], date(2025, 6, 1), staff)
    report = import_list(staff, "deaths", [[person.name, person.id_number, "2026-01-15", ""]])
    enrolled = Finding.objects.filter(dataset_id=report.dataset_id,
                                      kind=FindingKind.DECEASED_ENROLLED)
    assert sorted(f.detail["enrolment"] for f in enrolled) == sorted([care.pk, living.pk])


def test_enrolment_ended_before_death_is_not_a_finding(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True)
    enrolment = enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    enrolment.end_month = date(2026, 1, 1)  # January paid: death on 15 January
    enrolment.save()
    report = import_list(staff, "deaths", [[person.name, person.id_number, "2026-01-15", ""]])
    assert FindingKind.DECEASED_ENROLLED not in kinds(report.dataset_id)


def _paid_line(person: object, policy: Policy, month: date, staff: User,
               amount: str = "80.00") -> PayrollLine:
    batch, _ = PayrollBatch.objects.get_or_create(
        policy=policy, region_id="520322000000", period_start=month,
        defaults={"period_end": month, "rule_version": 1, "generated_by": staff})
    return PayrollLine.objects.create(batch=batch, person=person, policy=policy,
                                      region_id=person.region_id, period=month,  # type: ignore[attr-defined]
                                      name=person.name, amount=Decimal(amount),  # type: ignore[attr-defined]
                                      rule_version=1, facts={}, status=LineStatus.PAID)


def test_paid_for_months_after_death_with_the_amount(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=2, care=True)
    care = catalog["care_subsidy"]
    for month in (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)):
        _paid_line(person, care, month, staff)
    report = import_list(staff, "deaths", [[person.name, person.id_number, "2026-01-15", ""]])
    finding = Finding.objects.get(dataset_id=report.dataset_id, kind=FindingKind.PAID_AFTER_DEATH)
    # January is paid in full (stop from the month after death): February and March are due.
    assert Decimal(finding.detail["amount"]) == Decimal("160.00")
    assert finding.detail["lines"] == 2


def test_moved_out_but_enrolled(staff: User, regions: dict[str, str],
                                catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True)
    enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    report = import_list(staff, "moves", [[person.name, person.id_number, "2026-02-03", "广东省深圳市"]])
    assert kinds(report.dataset_id) == {FindingKind.MOVED_OUT: 1, FindingKind.MOVED_ENROLLED: 1}


def test_dibao_start_proposes_the_period(staff: User, regions: dict[str, str]) -> None:
    person = holder(regions["village_a"])
    report = import_list(staff, "dibao", [[person.name, person.id_number, "", "农村低保",
                                           "2026-01", ""]])
    finding = Finding.objects.get(dataset_id=report.dataset_id, kind=FindingKind.STATUS_START)
    assert finding.detail["status"] == "dibao" and finding.detail["start_month"] == "2026-01-01"


def test_dibao_already_recorded_is_not_a_start(staff: User, regions: dict[str, str]) -> None:
    person = holder(regions["village_a"], dibao_from=date(2025, 1, 1))
    report = import_list(staff, "dibao", [[person.name, person.id_number, "", "城市低保",
                                           "2025-01", ""]])
    assert kinds(report.dataset_id) == {}


def test_dibao_end_while_registry_period_runs(staff: User, regions: dict[str, str]) -> None:
    person = holder(regions["village_a"], dibao_from=date(2024, 1, 1))
    report = import_list(staff, "dibao", [[person.name, person.id_number, "", "农村低保",
                                           "2024-01", "2026-01"]])
    finding = Finding.objects.get(dataset_id=report.dataset_id, kind=FindingKind.STATUS_END)
    assert finding.detail["end_month"] == "2026-01-01"


def test_tekun_stops_both_subsidies(staff: User, regions: dict[str, str],
                                    catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1))
    enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    enrol(person, catalog["living_allowance"], date(2025, 6, 1), staff)
    report = import_list(staff, "dibao", [[person.name, person.id_number, "", "特困供养",
                                           "2026-02", ""]])
    excludes = Finding.objects.filter(dataset_id=report.dataset_id,
                                      kind=FindingKind.STATUS_EXCLUDES)
    assert sorted(f.detail["policy"] for f in excludes) == sorted(
        [catalog["care_subsidy"].name, catalog["living_allowance"].name])
    assert kinds(report.dataset_id)[FindingKind.STATUS_START] == 1


def test_orphan_guarantee_excludes_the_living_allowance_only(
        staff: User, regions: dict[str, str], catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True, dibao_from=date(2025, 1, 1),
                    birth=date(2015, 3, 1))
    enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    enrol(person, catalog["living_allowance"], date(2025, 6, 1), staff)
    report = import_list(staff, "orphans", [[person.name, person.id_number, "2025-09", ""]])
    excludes = Finding.objects.get(dataset_id=report.dataset_id,
                                   kind=FindingKind.STATUS_EXCLUDES)
    assert excludes.detail["policy"] == catalog["living_allowance"].name


def test_work_injury_care_excludes_both(staff: User, regions: dict[str, str],
                                        catalog: dict[str, Policy]) -> None:
    person = holder(regions["village_a"], grade=1, care=True)
    enrol(person, catalog["care_subsidy"], date(2025, 6, 1), staff)
    report = import_list(staff, "injury", [[person.name, person.id_number, "2025-10", ""]])
    assert kinds(report.dataset_id)[FindingKind.STATUS_EXCLUDES] == 1


def test_mental_patients_without_certificate_become_outreach(
        staff: User, regions: dict[str, str]) -> None:
    certified = holder(regions["village_a"], category=6, grade=2)
    uncertified = make_person(region_code=regions["village_a"], name="李四")
    stranger = "52032219900101003X"
    from canlian.core.idnumbers import id_check_char
    stranger = stranger[:17] + id_check_char(stranger[:17])
    report = import_list(staff, "mental", [
        [certified.name, certified.id_number, "精神分裂症", ""],
        ["李四", uncertified.id_number, "双相情感障碍", ""],
        ["赵六", stranger, "精神分裂症", regions["village_b"][:9]],
    ])
    found = Finding.objects.filter(dataset_id=report.dataset_id,
                                   kind=FindingKind.MENTAL_UNCERTIFIED)
    assert {f.detail["list_name"] for f in found} == {"李四", "赵六"}
    outsider = found.get(person__isnull=True)
    assert outsider.region_code == regions["village_b"][:9] + "000"


def test_name_that_differs_is_flagged(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [["王武", person.id_number, "2026-01-15", ""]])
    assert kinds(report.dataset_id) == {FindingKind.DECEASED_ALIVE: 1,
                                        FindingKind.NAME_MISMATCH: 1}
    assert set(Finding.objects.values_list("match", flat=True)) == {MatchQuality.NAME_DIFFERS}


def test_reimport_adds_no_duplicate_findings(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    rows = [["王五", person.id_number, "2026-01-15", ""]]
    first = import_list(staff, "deaths", rows)
    second = import_list(staff, "deaths", rows)
    assert sum(first.added.values()) == 1 and sum(second.added.values()) == 0
    assert Finding.objects.count() == 1


def test_rerun_against_a_later_registry_obsoletes_what_no_longer_holds(
        staff: User, regions: dict[str, str]) -> None:
    from canlian.crosscheck.datasets import dataset_rematch
    from canlian.crosscheck.models import Dataset
    from canlian.registry.models import Person

    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    Person.objects.filter(pk=person.pk).update(living_status="deceased",
                                               living_status_on=date(2026, 1, 15))
    dataset_rematch(actor=staff, dataset=Dataset.objects.get(pk=report.dataset_id))
    assert Finding.objects.get().status == FindingStatus.OBSOLETE
    assert MARCH.day == 1
