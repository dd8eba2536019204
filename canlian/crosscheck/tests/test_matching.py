"""Matching (issue #8 §2): exact on the ID through the blind index; a mistyped digit or two
swapped adjacent digits with the same name is offered as a candidate, never applied silently."""

from __future__ import annotations

import pytest

from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User
from canlian.crosscheck.matching import id_variants
from canlian.crosscheck.models import (
    CandidateReason,
    CandidateStatus,
    DatasetRow,
    Finding,
    FindingKind,
    MatchCandidate,
    MatchQuality,
)
from canlian.crosscheck.services import candidate_accept, candidate_reject
from canlian.crosscheck.tests.helpers import import_list, mistype, swap
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


def test_variants_of_a_slip_include_the_true_number() -> None:
    true = "11010519491231002X"  # GB 11643 Annex A
    for position in (3, 9, 15):
        assert (true, CandidateReason.DIGIT) in set(id_variants(mistype(true, position)))
    swapped = swap("440524188001010014", 8)  # the 8 and 0 of 1880 swapped
    assert ("440524188001010014", CandidateReason.SWAP) in set(id_variants(swapped))


def test_wrong_check_character_is_kept_not_rejected(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [["王五", mistype(person.id_number, 10), "2026-01-15",
                                            ""]])
    assert report.errors == [] and report.rows == 1 and report.matched == 0
    row = DatasetRow.objects.get()
    assert row.id_valid is False and row.person_id is None


def test_one_mistyped_digit_with_same_name_is_a_candidate_only(
        staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [["王五", mistype(person.id_number, 12), "2026-01-15",
                                            ""]])
    candidate = MatchCandidate.objects.get()
    assert candidate.person_id == person.pk and candidate.reason == CandidateReason.DIGIT
    assert report.candidates == 1
    # Never applied silently: no match, no finding, the registry unchanged.
    assert Finding.objects.count() == 0
    assert Person.objects.get(pk=person.pk).living_status == "alive"


def test_two_swapped_adjacent_digits_are_a_candidate(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    number = person.id_number
    position = next(i for i in range(16) if number[i] != number[i + 1])
    import_list(staff, "deaths", [["王五", swap(number, position), "2026-01-15", ""]])
    assert MatchCandidate.objects.get().reason == CandidateReason.SWAP


def test_a_slip_with_a_different_name_is_not_offered(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["李四", mistype(person.id_number, 12), "2026-01-15", ""]])
    assert MatchCandidate.objects.count() == 0


def test_accepting_a_candidate_matches_the_row_and_produces_its_findings(
        staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", mistype(person.id_number, 12), "2026-01-15", ""]])
    candidate_accept(actor=staff, candidate=MatchCandidate.objects.get())
    row = DatasetRow.objects.get()
    assert row.person_id == person.pk and row.match == MatchQuality.NEAR
    finding = Finding.objects.get()
    assert finding.kind == FindingKind.DECEASED_ALIVE and finding.match == MatchQuality.NEAR
    assert AuditEvent.objects.filter(object_type="crosscheck.matchcandidate").count() == 1


def test_rejecting_a_candidate_changes_nothing(staff: User, regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", mistype(person.id_number, 12), "2026-01-15", ""]])
    candidate = candidate_reject(actor=staff, candidate=MatchCandidate.objects.get())
    assert candidate.status == CandidateStatus.REJECTED
    assert DatasetRow.objects.get().person_id is None and Finding.objects.count() == 0
    with pytest.raises(DomainError):
        candidate_accept(actor=staff, candidate=candidate)
