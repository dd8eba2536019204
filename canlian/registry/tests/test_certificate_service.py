"""registry.services.person_certificate_set: the certificate workflow's one write to the
registry (管理办法第二十二条), with history, audit, number checks and jurisdiction."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.core.errors import DomainError
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import AuditEvent, User
from canlian.registry.models import CertificateStatus, LivingStatus
from canlian.registry.services import person_certificate_set
from canlian.registry.tests.factories import make_person


def test_issuing_writes_history_and_audit(personas: dict[str, User],
                                          regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="甲")
    number = build_certificate_number(id_number=person.id_number, category=2, grade=3)
    person_certificate_set(actor=personas["county_staff"], person=person, summary="发证",
                           changes={"category": 2, "grade": 3, "certificate_number": number,
                                    "certificate_issued_on": date(2026, 1, 5),
                                    "certificate_valid_until": date(2036, 1, 5),
                                    "certificate_status": CertificateStatus.VALID})
    person.refresh_from_db()
    assert person.certificate_number == number and person.certificate_index
    latest = person.history.first()
    assert latest.history_user == personas["county_staff"] and latest.certificate_number == number
    event = AuditEvent.objects.filter(object_id=str(person.pk)).get()
    assert event.changes["certificate_number"][1].startswith("520322********")


def test_number_must_match_the_person_category_and_grade(personas: dict[str, User],
                                                         regions: dict[str, str]) -> None:
    """DOMAIN.md §0.1: the number's ID part and digits equal the holder's record."""
    person = make_person(region_code=regions["village_a"])
    wrong = build_certificate_number(id_number=person.id_number, category=2, grade=3)
    history = person.history.count()
    with pytest.raises(DomainError):
        person_certificate_set(actor=personas["county_staff"], person=person, summary="x",
                               changes={"category": 4, "grade": 3, "certificate_number": wrong})
    person.refresh_from_db()
    assert person.certificate_number == "" and person.history.count() == history


def test_other_fields_and_other_jurisdictions_are_refused(personas: dict[str, User],
                                                          regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_b"])
    with pytest.raises(DomainError):
        person_certificate_set(actor=personas["county_staff"], person=person, summary="x",
                               changes={"name": "改名"})
    with pytest.raises(DomainError) as error:
        person_certificate_set(actor=personas["township_staff"], person=person, summary="x",
                               changes={"certificate_status": CertificateStatus.CANCELLED})
    assert error.value.code == "jurisdiction"


def test_a_person_moved_out_elsewhere_can_be_taken_over_on_arrival(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    person = make_person(region_code="610921100000", living_status=LivingStatus.MOVED_OUT)
    person_certificate_set(actor=personas["county_staff"], person=person, summary="迁入",
                           changes={"region_id": regions["village_a"],
                                    "living_status": LivingStatus.ALIVE})
    person.refresh_from_db()
    assert person.region_id == regions["village_a"]
