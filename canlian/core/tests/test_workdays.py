"""Working days on the official holiday calendar (DOMAIN.md §0.4; STACK.md §1: chinesecalendar
data ends with 2026, later years are entered by the 系统管理员 and fall back to weekends)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from canlian.core import workdays
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, HolidayCalendarDay, HolidayCalendarYear, User
from canlian.core.workdays import (
    add_working_days,
    is_working_day,
    working_days_between,
    years_without_data,
)

pytestmark = pytest.mark.django_db


def test_2026_national_day_is_off_and_the_make_up_saturday_works() -> None:
    """国务院办公厅 2026: 10/1–10/7 off; Sunday 9/20 and Saturday 10/10 are working days."""
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 9, 20))
    assert is_working_day(date(2026, 10, 10))
    assert is_working_day(date(2026, 10, 9))


def test_deadline_across_national_day_2026() -> None:
    """A 10-working-day review (管理办法第九条) begun on 2026-09-30 ends on 2026-10-21."""
    # 10/8, 10/9, 10/10 (make-up Saturday), 10/12–10/16, 10/19, 10/20 → the 10th is 10/20.
    assert add_working_days(date(2026, 9, 30), 10) == date(2026, 10, 20)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 20)) == 10
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)  # 5-day public notice


def test_a_year_without_data_falls_back_to_weekends_and_is_reported() -> None:
    """2027 has no data in chinesecalendar: no crash, weekends only, and a warning."""
    assert years_without_data(today=date(2026, 11, 23)) == [2027]
    assert not is_working_day(date(2027, 1, 2))  # a Saturday
    assert is_working_day(date(2027, 1, 1))  # New Year's Day, unknown until entered
    # From Thursday 2026-12-24, 10 working days: 12/25, 12/28–31, 1/1, 1/4–1/7 → 2027-01-07.
    assert add_working_days(date(2026, 12, 24), 10) == date(2027, 1, 7)


def test_entering_2027_holidays_moves_deadlines_and_clears_the_warning(
        personas: dict[str, User]) -> None:
    admin = personas["county_admin"]
    workdays.holiday_day_set(actor=admin, day=date(2027, 1, 1), is_workday=False, name="元旦")
    assert add_working_days(date(2026, 12, 24), 10) == date(2027, 1, 8)
    workdays.holiday_year_set_complete(actor=admin, year=2027, complete=True)
    assert years_without_data(today=date(2026, 11, 23)) == []
    assert AuditEvent.objects.filter(object_type="core.holidaycalendarday").count() == 1


def test_only_the_county_admin_edits_the_calendar(personas: dict[str, User]) -> None:
    with pytest.raises(DomainError):
        workdays.holiday_day_set(actor=personas["county_staff"], day=date(2027, 1, 1),
                                 is_workday=False)
    assert not HolidayCalendarDay.objects.filter(day=date(2027, 1, 1)).exists()


def test_seeded_years_are_marked_complete() -> None:
    assert set(range(2004, 2027)) <= set(HolidayCalendarYear.objects.values_list("year",
                                                                                  flat=True))


def test_csv_import_reports_every_bad_row_and_writes_nothing(personas: dict[str, User],
                                                             client: Client) -> None:
    client.force_login(personas["county_admin"])
    bad = "日期,类型,名称\n2027-01-01,休息,元旦\n2027-13-01,休息,x\n2027-02-06,加班,x\n"
    response = client.post(reverse("core:calendar"), {
        "action": "import", "import-file": _upload("a.csv", bad.encode())})
    page = response.content.decode()
    assert "第 3 行" in page and "第 4 行" in page
    assert not HolidayCalendarDay.objects.filter(day__year=2027).exists()
    good = "日期,类型,名称\n2027-01-01,休息,元旦\n2027-02-06,上班,春节调休上班\n"
    client.post(reverse("core:calendar"), {"action": "import",
                                           "import-file": _upload("b.csv", good.encode("gbk"))})
    assert HolidayCalendarDay.objects.get(day=date(2027, 2, 6)).is_workday


def test_calendar_page_warns_about_years_without_data(personas: dict[str, User],
                                                      client: Client) -> None:
    client.force_login(personas["county_admin"])
    page = client.get(reverse("core:calendar"), {"year": 2027}).content.decode()
    assert "尚无完整的节假日数据" in page
    client.post(reverse("core:calendar"), {"action": "set", "day-day": "2027-10-01",
                                           "day-kind": "rest", "day-name": "国庆节"})
    assert not is_working_day(date(2027, 10, 1))


def _upload(name: str, content: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


@settings(max_examples=40, deadline=None)
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30)),
       n=st.integers(min_value=0, max_value=40))
def test_add_and_between_are_inverse(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert n == 0 or is_working_day(end)
    assert add_working_days(end, -n) <= start or n == 0
    assert end >= start and (end - start) <= timedelta(days=3 * n + 14)
