"""Deadline arithmetic (DOMAIN.md §5): 信访 periods are calendar days from the day after the
start, and a period ending on a holiday or rest day ends on the next working day; the other
sources count working days on the holiday calendar; a county may configure its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canlian.cases.deadlines import (
    DEFAULT_DEADLINES,
    calendar_deadline,
    deadline_after,
    deadlines_for,
)
from canlian.cases.models import CaseDeadline, CaseSource, DeadlineUnit
from canlian.core.workdays import add_working_days, is_working_day

pytestmark = pytest.mark.django_db


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 10, 31)),
       days=st.sampled_from([15, 30, 60, 90]))
def test_a_calendar_deadline_is_the_first_working_day_on_or_after_start_plus_days(
        start: date, days: int) -> None:
    due = calendar_deadline(start, days)
    assert due >= start + timedelta(days=days)
    assert is_working_day(due)
    day = start + timedelta(days=days)
    while day < due:  # everything skipped was a holiday or a rest day
        assert not is_working_day(day)
        day += timedelta(days=1)


def test_petition_deadlines_are_calendar_days_and_others_working_days() -> None:
    """DOMAIN.md §5: the 条例 says 日, never 工作日."""
    assert DEFAULT_DEADLINES[CaseSource.PETITION].unit == DeadlineUnit.CALENDAR
    assert (DEFAULT_DEADLINES[CaseSource.PETITION].accept_days,
            DEFAULT_DEADLINES[CaseSource.PETITION].conclude_days,
            DEFAULT_DEADLINES[CaseSource.PETITION].extension_days) == (15, 60, 30)
    for source in set(CaseSource.values) - {CaseSource.PETITION}:
        assert DEFAULT_DEADLINES[source].unit == DeadlineUnit.WORKING
    # Spring Festival 2026 (2-15…2-23 off, 2-14 and 2-28 make-up working days).
    assert deadline_after(date(2026, 2, 12), 3, DeadlineUnit.WORKING) == add_working_days(
        date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert calendar_deadline(date(2026, 2, 1), 15) == date(2026, 2, 24)


def test_a_county_configures_its_own_deadlines_for_a_source(regions: dict[str, str]) -> None:
    CaseDeadline.objects.create(county_id=regions["county"], source=CaseSource.HELP,
                                accept_days=2, conclude_days=10, extension_days=5,
                                unit=DeadlineUnit.WORKING)
    own = deadlines_for(CaseSource.HELP, regions["village_a"])
    assert (own.accept_days, own.conclude_days) == (2, 10)
    assert deadlines_for(CaseSource.HELP, regions["other_county"]) == DEFAULT_DEADLINES["help"]
