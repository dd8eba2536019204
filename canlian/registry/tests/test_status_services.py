"""Registry writes of a person's living status (death, hukou moving out) and of household
status periods (低保, 特困, orphan guarantee, work-injury care): each checked against the
registry's rules, kept in history with who did it, and audited in the same transaction."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Model
from django.utils import timezone

from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.registry.models import HouseholdStatus, LivingStatus, Person
from canlian.registry.selectors import person_history
from canlian.registry.services import (
    household_status_close,
    household_status_open,
    person_living_status_set,
)
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


def _audits(obj: Model) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower,
                                          object_id=str(obj.pk)).order_by("pk"))


# ------------------------------------------------------------------ living status


def test_death_is_recorded_with_its_date_in_history_and_audit(
        staff: User, regions: dict[str, str]) -> None:
    """DOMAIN.md §0.3: payment stops from the month after death, so the date is recorded."""
    person = make_person(region_code=regions["village_a"], name="王五")
    other = make_person(region_code=regions["village_a"], name="李四")
    before_other = Person.objects.filter(pk=other.pk).values().get()
    person_living_status_set(actor=staff, person=person, status=LivingStatus.DECEASED,
                             on_date=date(2026, 1, 15), summary="数据比对：登记死亡")
    person.refresh_from_db()
    assert (person.living_status, person.living_status_on) == ("deceased", date(2026, 1, 15))
    assert Person.objects.filter(pk=other.pk).values().get() == before_other
    assert {"field": "生存状态", "old": "正常", "new": "死亡"} in person_history(person)[0]["changes"]
    assert person.history.first().history_user == staff
    (event,) = _audits(person)
    assert (event.action, event.summary, event.actor) == (AuditAction.UPDATE, "数据比对：登记死亡",
                                                          staff)
    assert event.changes == {"living_status": ["alive", "deceased"],
                             "living_status_on": [None, "2026-01-15"]}


def test_moving_out_is_recorded_and_the_same_again_changes_nothing(
        staff: User, regions: dict[str, str]) -> None:
    """DOMAIN.md §0.3: a hukou moving out of the county ends enrolability from its date."""
    person = make_person(region_code=regions["village_a"], name="王五")
    versions = person.history.count()
    for _ in range(2):
        person_living_status_set(actor=staff, person=person, status=LivingStatus.MOVED_OUT,
                                 on_date=date(2026, 2, 3))
    person.refresh_from_db()
    assert (person.living_status, person.living_status_on) == ("moved_out", date(2026, 2, 3))
    assert [e.summary for e in _audits(person)] == ["登记户籍迁出"]
    assert person.history.count() == versions + 1


def test_living_status_dates_follow_the_registry_rules(staff: User,
                                                      regions: dict[str, str]) -> None:
    """As the import checks a 死亡日期 (DOMAIN.md §0.1: birth date from the ID number): not in
    the future, not before birth; only death or moving out are recorded here."""
    person = make_person(region_code=regions["village_a"], name="王五", birth=date(1980, 1, 1))
    tomorrow = timezone.localdate() + timedelta(days=1)
    refusals = [
        (LivingStatus.DECEASED, tomorrow, "future"),
        (LivingStatus.DECEASED, date(1979, 12, 31), "before_birth"),
        (LivingStatus.ALIVE, date(2026, 1, 1), "living_status"),
    ]
    for status, on, code in refusals:
        with pytest.raises(DomainError) as refused:
            person_living_status_set(actor=staff, person=person, status=status, on_date=on)
        assert refused.value.code == code
    person.refresh_from_db()
    assert person.living_status == "alive" and _audits(person) == []


def test_a_dead_person_does_not_move_out_afterwards(staff: User,
                                                   regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    person_living_status_set(actor=staff, person=person, status=LivingStatus.DECEASED,
                             on_date=date(2026, 1, 15))
    with pytest.raises(DomainError) as refused:
        person_living_status_set(actor=staff, person=person, status=LivingStatus.MOVED_OUT,
                                 on_date=date(2026, 2, 1))
    assert refused.value.code == "deceased"
    assert Person.objects.get(pk=person.pk).living_status == "deceased"


def test_living_status_outside_the_jurisdiction_is_refused(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_b"], name="王五")  # 松坎镇
    with pytest.raises(DomainError) as refused:  # 楚米镇's officer
        person_living_status_set(actor=personas["township_staff"], person=person,
                                 status=LivingStatus.DECEASED, on_date=date(2026, 1, 15))
    assert refused.value.code == "jurisdiction"
    assert Person.objects.get(pk=person.pk).living_status == "alive"


# ------------------------------------------------------------------ household status periods


def test_dibao_period_is_opened_by_month_with_history_and_audit(
        staff: User, regions: dict[str, str]) -> None:
    """DOMAIN.md §0.3 checks 低保 per month M: periods are whole months."""
    person = make_person(region_code=regions["village_a"], name="王五")
    status = household_status_open(actor=staff, person=person, kind="dibao",
                                   start_month=date(2026, 1, 20), note="数据比对：县民政局")
    assert (status.household_id, status.kind, status.start_month, status.end_month) == (
        person.household_id, "dibao", date(2026, 1, 1), None)
    assert HouseholdStatus.objects.active_in_month(date(2026, 3, 1)).get() == status
    assert not HouseholdStatus.objects.active_in_month(date(2025, 12, 1)).exists()
    assert status.history.get().history_user == staff
    (event,) = _audits(status)
    assert (event.action, event.summary, event.region_code) == (
        AuditAction.CREATE, "登记低保期间", regions["village_a"])
    assert event.changes["start_month"] == [None, "2026-01-01"]


def test_overlapping_period_of_the_same_kind_is_refused(staff: User,
                                                       regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    household_status_open(actor=staff, person=person, kind="dibao",
                          start_month=date(2025, 1, 1), end_month=date(2025, 12, 1))
    with pytest.raises(DomainError) as refused:
        household_status_open(actor=staff, person=person, kind="dibao",
                              start_month=date(2025, 12, 1))
    assert refused.value.code == "overlap"
    # Another kind in the same months, and the same kind after the period ended, are periods
    # of their own.
    household_status_open(actor=staff, person=person, kind="tekun",
                          start_month=date(2025, 6, 1))
    household_status_open(actor=staff, person=person, kind="dibao",
                          start_month=date(2026, 1, 1))
    assert HouseholdStatus.objects.filter(household_id=person.household_id).count() == 3


def test_period_refusals_change_nothing(personas: dict[str, User],
                                        regions: dict[str, str]) -> None:
    staff = personas["county_staff"]
    person = make_person(region_code=regions["village_a"], name="王五")
    alone = make_person(region_code=regions["village_a"], name="李四", head=False)
    outside = make_person(region_code=regions["village_b"], name="赵六")
    attempts = [
        (staff, person, "dibao", date(2026, 3, 1), date(2026, 2, 1), "period_order"),
        (staff, person, "pension", date(2026, 3, 1), None, "kind"),
        (staff, alone, "dibao", date(2026, 3, 1), None, "no_household"),
        (personas["township_staff"], outside, "dibao", date(2026, 3, 1), None, "jurisdiction"),
    ]
    for actor, who, kind, start, end, code in attempts:
        with pytest.raises(DomainError) as refused:
            household_status_open(actor=actor, person=who, kind=kind, start_month=start,
                                  end_month=end)
        assert refused.value.code == code
    assert not HouseholdStatus.objects.exists() and not AuditEvent.objects.exists()


def test_closing_ends_the_running_period_at_its_last_month(
        staff: User, regions: dict[str, str]) -> None:
    """DOMAIN.md §0.3: leaving 低保 stops the living allowance; the period ends in the last
    month the household was in 低保."""
    person = make_person(region_code=regions["village_a"], name="王五")
    ended = household_status_open(actor=staff, person=person, kind="dibao",
                                  start_month=date(2023, 1, 1), end_month=date(2023, 6, 1))
    running = household_status_open(actor=staff, person=person, kind="dibao",
                                     start_month=date(2024, 1, 1))
    tekun = household_status_open(actor=staff, person=person, kind="tekun",
                                  start_month=date(2024, 1, 1))
    closed = household_status_close(actor=staff, person=person, kind="dibao",
                                    end_month=date(2026, 1, 31))
    assert [s.pk for s in closed] == [running.pk]
    running.refresh_from_db()
    assert running.end_month == date(2026, 1, 1)
    assert not HouseholdStatus.objects.active_in_month(date(2026, 2, 1)).filter(
        kind="dibao").exists()
    assert HouseholdStatus.objects.get(pk=ended.pk).end_month == date(2023, 6, 1)
    assert HouseholdStatus.objects.get(pk=tekun.pk).end_month is None
    assert running.history.first().history_user == staff
    assert [e.summary for e in _audits(running)] == ["登记低保期间", "结束低保期间"]
    assert _audits(running)[-1].changes == {"end_month": [None, "2026-01-01"]}
    # Nothing left running: closing again changes nothing.
    assert household_status_close(actor=staff, person=person, kind="dibao",
                                  end_month=date(2026, 1, 1)) == []
    assert len(_audits(running)) == 2


def test_closing_outside_the_jurisdiction_is_refused(personas: dict[str, User],
                                                     regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_b"], name="王五")
    status = household_status_open(actor=personas["county_staff"], person=person,
                                    kind="dibao", start_month=date(2024, 1, 1))
    with pytest.raises(DomainError) as refused:
        household_status_close(actor=personas["township_staff"], person=person, kind="dibao",
                               end_month=date(2026, 1, 1))
    assert refused.value.code == "jurisdiction"
    assert HouseholdStatus.objects.get(pk=status.pk).end_month is None
