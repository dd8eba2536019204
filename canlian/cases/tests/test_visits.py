"""Recording visits (issue #7 item 2, "Bad input and permissions"): only people of the
officer's own village, never dated in the future or before the person was registered, photos
checked for type and size; a need becomes a case or a service demand in one step; drafts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from canlian.cases import visits
from canlian.cases.files import Upload
from canlian.cases.models import (
    CaseSource,
    CaseStatus,
    NeedOutcome,
    Visit,
    VisitDraft,
    VisitNeed,
)
from canlian.cases.tests.helpers import disabled, federations, on, visit
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _record(officer: User, person: object, day: date, **extra: object) -> Visit:
    values = {"mode": "home", "people_met": "本人", "living_arrangement": "alone"}
    values.update(extra)
    return visits.visit_record(actor=officer, person=person, visited_on=day,  # type: ignore[arg-type]
                               **values)  # type: ignore[arg-type]


def test_a_liaison_officer_records_visits_only_in_their_own_village(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    person = disabled(regions["village_a"])
    with pytest.raises(DomainError) as error:
        _record(personas["liaison_b"], person, date.today())
    assert error.value.code == "jurisdiction" and "本村" in error.value.message
    with pytest.raises(DomainError):
        _record(personas["leader"], person, date.today())
    visit_ = _record(personas["village_liaison"], person, date.today())
    assert visit_.visitor == personas["village_liaison"] and visit_.region_id == person.region_id
    assert AuditEvent.objects.filter(object_type="cases.visit", object_id=str(visit_.pk)).exists()


def test_a_visit_dated_in_the_future_or_before_registration_is_refused(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    officer = personas["village_liaison"]
    with on(date(2026, 3, 1)):
        person = disabled(regions["village_a"])
    with on(date(2026, 3, 10)):
        with pytest.raises(DomainError) as future:
            _record(officer, person, date(2026, 3, 11))
        assert (future.value.field, future.value.message) == ("visited_on", "走访日期不能晚于今天。")
        with pytest.raises(DomainError) as early:
            _record(officer, person, date(2026, 2, 28))
        assert "建档日期（2026-03-01）" in early.value.message
        assert _record(officer, person, date(2026, 3, 1)).visited_on == date(2026, 3, 1)


def test_registration_counts_from_the_certificate_issue_when_earlier(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    with on(date(2026, 3, 1)):
        person = disabled(regions["village_a"], certificate_issued_on=date(2019, 5, 1))
        assert _record(personas["village_liaison"], person, date(2025, 1, 2)).pk


def test_deceased_persons_and_missing_fields_are_refused_naming_the_field(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    officer = personas["village_liaison"]
    dead = disabled(regions["village_a"], living_status="deceased")
    with pytest.raises(DomainError) as error:
        _record(officer, dead, date.today())
    assert "死亡" in error.value.message
    person = disabled(regions["village_a"])
    for field, extra in (("mode", {"mode": "fax"}), ("people_met", {"people_met": " "}),
                         ("living_arrangement", {"living_arrangement": ""}),
                         ("needs", {"needs": [visits.NeedIn("rehab", "")]}),
                         ("needs", {"needs": [visits.NeedIn("magic", "x")]})):
        with pytest.raises(DomainError) as error:
            _record(officer, person, date.today(), **extra)
        assert error.value.field == field
    assert not Visit.objects.exists()


def test_photos_are_checked_for_type_and_size(personas: dict[str, User],
                                              regions: dict[str, str]) -> None:
    officer = personas["village_liaison"]
    person = disabled(regions["village_a"])
    for upload, words in ((Upload("a.pdf", b"%PDF-1.4"), "JPG、PNG"),
                          (Upload("a.png", b"not an image"), "JPG、PNG"),
                          (Upload("a.png", PNG + b"0" * (5 * 1024 * 1024)), "5 MB")):
        with pytest.raises(DomainError) as error:
            _record(officer, person, date.today(), photo=upload)
        assert error.value.field == "photo" and words in error.value.message
    visit_ = _record(officer, person, date.today(), photo=Upload("现场.png", PNG))
    assert visit_.has_photo and visit_.photo_content_type == "image/png"


def test_a_need_becomes_a_case_in_one_step_routed_to_the_township(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    _, township_unit = federations(regions["county"], regions["township_a"])
    officer = personas["village_liaison"]
    person = disabled(regions["village_a"])
    visit_ = _record(officer, person, date.today(),
                     needs=[visits.NeedIn("device", "需要助行器"), visits.NeedIn("rehab", "康复训练")])
    device, rehab = VisitNeed.objects.filter(visit=visit_).order_by("id")
    case = visits.need_to_case(actor=officer, need=device)
    device.refresh_from_db()
    assert (device.outcome, device.case) == (NeedOutcome.CASE, case)
    assert (case.source, case.category, case.person, case.status) == (
        CaseSource.VISIT, "device", person, CaseStatus.REGISTERED)
    assert case.responsible_unit == township_unit and case.description == "需要助行器"
    with pytest.raises(DomainError) as twice:
        visits.need_to_case(actor=officer, need=device)
    assert twice.value.code == "out_of_order"
    visits.need_decide(actor=officer, need=rehab, outcome=NeedOutcome.DEMAND)
    rehab.refresh_from_db()
    assert rehab.outcome == NeedOutcome.DEMAND
    with pytest.raises(DomainError):
        visits.need_decide(actor=personas["liaison_b"], need=rehab, outcome="resolved")


def test_a_draft_is_kept_per_officer_and_person_and_dropped_when_the_visit_is_recorded(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    officer = personas["village_liaison"]
    person = disabled(regions["village_a"])
    visits.visit_draft_save(actor=officer, person=person,
                            data={"people_met": "母亲", "need_rehab": "on", "secret": "x"})
    visits.visit_draft_save(actor=officer, person=person,
                            data={"people_met": "母亲", "need_rehab": "on",
                                  "need_rehab_note": "康复"})
    draft = VisitDraft.objects.get(owner=officer, person=person)
    assert draft.data == {"people_met": "母亲", "need_rehab": "on", "need_rehab_note": "康复"}
    with pytest.raises(DomainError):
        visits.visit_draft_save(actor=personas["liaison_b"], person=person, data={})
    visit(person, officer, date.today())
    assert not VisitDraft.objects.exists()
    assert date.today() - timedelta(days=1) <= Visit.objects.get().visited_on
