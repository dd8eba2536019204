"""Working days on the official holiday calendar (DESIGN.md "Data": deadlines in working days).

Deadlines such as the county DPF's 10-working-day review and the 5-working-day public notice
(DOMAIN.md §0.4, 管理办法第九条) count working days: Monday to Friday, minus statutory holidays,
plus make-up working days (调休上班). The exceptions to the weekend rule are data
(`HolidayCalendarDay`), seeded from chinesecalendar (migration core 0006) and extended by the
系统管理员 for each new year: chinesecalendar's data ends with 2026 (STACK.md §1). A year
without data never fails: it falls back to weekends only, and :func:`years_without_data` names
it so the 系统管理员 is warned.

Public API (used by the certificate and benefit workflows; keep the signatures):
`is_working_day(d)`, `add_working_days(start, n)`, `working_days_between(a, b)`,
`years_without_data(years=None, today=None)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from canlian.core.audit import audit_record
from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, HolidayCalendarDay, HolidayCalendarYear, User
from canlian.core.roles import Role
from canlian.core.tables import ImportFileError, TableLimits, read_table_content

# How far ahead to look per query when counting forward; a year of calendar holds ~250
# working days, so a deadline of n working days lies within about 1.5·n + 20 calendar days.
_WINDOW_MIN_DAYS = 40


def _weekend_rule(day: date) -> bool:
    return day.weekday() < 5


def _overrides(first: date, last: date) -> dict[date, bool]:
    """The stored exceptions between two dates (inclusive), in one query."""
    if last < first:
        first, last = last, first
    return dict(HolidayCalendarDay.objects.filter(day__range=(first, last))
                .values_list("day", "is_workday"))


def is_working_day(d: date) -> bool:
    """True on a working day: a stored exception decides, otherwise Monday–Friday."""
    stored = HolidayCalendarDay.objects.filter(day=d).values_list("is_workday", flat=True).first()
    return _weekend_rule(d) if stored is None else stored


def add_working_days(start: date, n: int) -> date:
    """The date n working days after `start` (`start` itself is not counted).

    n = 0 gives `start`; a negative n counts backwards. A deadline "within 10 working days"
    of a step begun on `start` is ``add_working_days(start, 10)``, the last day it may be done.
    """
    if n == 0:
        return start
    step = 1 if n > 0 else -1
    remaining = abs(n)
    day = start
    while True:
        span = max(_WINDOW_MIN_DAYS, remaining * 2 + 20)
        window_end = day + timedelta(days=span * step)
        stored = _overrides(day + timedelta(days=step), window_end)
        while day != window_end:
            day += timedelta(days=step)
            if stored.get(day, _weekend_rule(day)):
                remaining -= 1
                if remaining == 0:
                    return day


def working_days_between(a: date, b: date) -> int:
    """Working days after `a` up to and including `b` (negative if `b` is before `a`).

    The inverse of :func:`add_working_days`: ``working_days_between(a, add_working_days(a, n))
    == n`` for every n ≥ 0 whose result is a working day.
    """
    if a == b:
        return 0
    if b < a:
        return -working_days_between(b, a)
    stored = _overrides(a + timedelta(days=1), b)
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if stored.get(day, _weekend_rule(day)):
            count += 1
    return count


def years_without_data(years: Iterable[int] | None = None, *, today: date | None = None
                       ) -> list[int]:
    """Years (by default this year and next) whose holiday schedule is not marked complete:
    deadlines in them are counted by weekends only until the 系统管理员 enters the schedule."""
    today = today or timezone.localdate()
    wanted = sorted(set(years) if years is not None else {today.year, today.year + 1})
    complete = set(HolidayCalendarYear.objects.filter(year__in=wanted)
                   .values_list("year", flat=True))
    return [y for y in wanted if y not in complete]


# ------------------------------------------------------------------ editing (系统管理员)


def _require_admin(actor: User) -> None:
    if actor.role != Role.COUNTY_ADMIN:
        raise DomainError("forbidden", "只有系统管理员可以维护节假日安排。")


@transaction.atomic
def holiday_day_set(*, actor: User, day: date, is_workday: bool, name: str = "",
                    request: HttpRequest | None = None) -> HolidayCalendarDay:
    """Add or change one day of the schedule (a holiday, or a make-up working day)."""
    _require_admin(actor)
    before = HolidayCalendarDay.objects.filter(day=day).first()
    entry, _ = HolidayCalendarDay.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "name": name.strip()[:50]})
    audit_record(
        actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
        object_type="core.holidaycalendarday", object_id=day.isoformat(),
        region_code=actor.region_id, summary=f"设置节假日安排 {day:%Y-%m-%d}",
        changes={"is_workday": [before.is_workday if before else None, is_workday],
                 "name": [before.name if before else None, entry.name]},
        request=request)
    return entry


@transaction.atomic
def holiday_day_delete(*, actor: User, day: date, request: HttpRequest | None = None) -> None:
    """Remove a stored day: it falls back to the weekend rule."""
    _require_admin(actor)
    deleted, _ = HolidayCalendarDay.objects.filter(day=day).delete()
    if not deleted:
        raise DomainError("not_found", "该日期没有单独设置，无需删除。", field="day")
    audit_record(actor=actor, action=AuditAction.DELETE, object_type="core.holidaycalendarday",
                 object_id=day.isoformat(), region_code=actor.region_id,
                 summary=f"删除节假日安排 {day:%Y-%m-%d}", request=request)


@transaction.atomic
def holiday_year_set_complete(*, actor: User, year: int, complete: bool,
                              request: HttpRequest | None = None) -> None:
    """Mark a year's schedule as fully entered (or not): the warning follows this marker."""
    _require_admin(actor)
    if complete:
        HolidayCalendarYear.objects.update_or_create(
            year=year, defaults={"source": "系统管理员录入", "completed_by": actor,
                                 "completed_at": timezone.now()})
    else:
        HolidayCalendarYear.objects.filter(year=year).delete()
    audit_record(actor=actor, action=AuditAction.UPDATE, object_type="core.holidaycalendaryear",
                 object_id=str(year), region_code=actor.region_id,
                 summary=f"{year} 年节假日数据{'已确认完整' if complete else '取消完整标记'}",
                 request=request)


@dataclass(frozen=True)
class CalendarRowError:
    row: int
    message: str


@dataclass(frozen=True)
class CalendarRow:
    day: date
    is_workday: bool
    name: str


WORKDAY_WORDS = {"上班": True, "工作日": True, "是": True, "1": True,
                 "休息": False, "休假": False, "节假日": False, "否": False, "0": False}


def parse_day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def calendar_rows_parse(table: Sequence[Sequence[Any]]
                        ) -> tuple[list[CalendarRow], list[CalendarRowError]]:
    """Rows `日期, 类型 (上班/休息), 名称` with a header line; every bad row is reported."""
    rows: list[CalendarRow] = []
    errors: list[CalendarRowError] = []
    if not table:
        return rows, [CalendarRowError(0, "文件是空的。")]
    header = [str(c or "").strip() for c in table[0]]
    if header[:2] != ["日期", "类型"]:
        return rows, [CalendarRowError(1, "第一行应为表头：日期、类型、名称。")]
    for number, cells in enumerate(table[1:], start=2):
        cells = [*cells, "", ""]
        if not any(str(c or "").strip() for c in cells[:3]):
            continue
        day = parse_day(cells[0])
        kind = str(cells[1] or "").strip()
        if day is None:
            errors.append(CalendarRowError(number, "日期格式应为 2027-01-01。"))
        elif kind not in WORKDAY_WORDS:
            errors.append(CalendarRowError(number, "类型应为“上班”或“休息”。"))
        else:
            rows.append(CalendarRow(day, WORKDAY_WORDS[kind], str(cells[2] or "").strip()[:50]))
    return rows, errors


CALENDAR_LIMITS = TableLimits(label="节假日导入", max_bytes=1024 * 1024, max_rows=1_000,
                              max_columns=16, max_unpacked_bytes=16 * 1024 * 1024)


def calendar_file_read(name: str, content: bytes) -> list[list[Any]]:
    """A CSV (UTF-8 or GBK) or XLSX upload as a table of cells, header first, through the one
    guarded table reader (core.tables)."""
    try:
        header, rows = read_table_content(content, filename=name, limits=CALENDAR_LIMITS)
    except ImportFileError as error:
        raise DomainError("file", error.message, field="file") from error
    return [header, *rows]


@transaction.atomic
def holiday_days_import(*, actor: User, rows: Sequence[CalendarRow],
                        request: HttpRequest | None = None) -> int:
    """Write parsed rows (all or nothing; the caller refuses a file with any bad row)."""
    _require_admin(actor)
    for row in rows:
        HolidayCalendarDay.objects.update_or_create(
            day=row.day, defaults={"is_workday": row.is_workday, "name": row.name})
    audit_record(actor=actor, action=AuditAction.IMPORT, object_type="core.holidaycalendarday",
                 region_code=actor.region_id, summary=f"导入节假日安排 {len(rows)} 天",
                 request=request)
    return len(rows)


def calendar_year_view(year: int) -> dict[str, Any]:
    """What the calendar page shows for one year: the stored days and the counts."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = list(HolidayCalendarDay.objects.filter(day__range=(first, last)).order_by("day"))
    stored = {d.day: d.is_workday for d in days}
    total = sum(1 for i in range((last - first).days + 1)
                if stored.get(first + timedelta(days=i),
                              _weekend_rule(first + timedelta(days=i))))
    return {
        "days": days,
        "working_day_count": total,
        "year_record": HolidayCalendarYear.objects.filter(year=year).first(),
    }
