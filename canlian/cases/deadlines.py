"""Case deadlines: (length, unit, anchor) per source, as DOMAIN.md §5 asks.

信访 (《信访工作条例》2022): tell the petitioner within 15 days whether the matter is accepted
(第二十二、二十三条), conclude within 60 days of acceptance (第三十四条), extend by at most 30 with
the reason told; 复查 and 复核 are each requested within 30 days and answered within 30 days
(第三十五、三十六条). The 条例 counts calendar days ("日", never "工作日"): the start day is not
counted, and a period whose last day is a holiday ends on the next working day (by analogy with
民法典 第二百零三条, DOMAIN.md §5). The other sources are the county's service promises, counted in
working days on the official holiday calendar (canlian.core.workdays); a county overrides any
source with a `CaseDeadline` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from canlian.cases.models import CaseDeadline, CaseSource, DeadlineUnit
from canlian.core.workdays import add_working_days, is_working_day


@dataclass(frozen=True)
class Deadlines:
    accept_days: int
    conclude_days: int
    extension_days: int
    unit: str

    @property
    def is_calendar(self) -> bool:
        return self.unit == DeadlineUnit.CALENDAR


S = CaseSource
CAL, WORK = DeadlineUnit.CALENDAR, DeadlineUnit.WORKING
DEFAULT_DEADLINES: dict[str, Deadlines] = {
    S.PETITION: Deadlines(15, 60, 30, CAL),  # 信访工作条例 第二十三、三十四条
    S.VISIT: Deadlines(3, 20, 10, WORK),
    S.HELP: Deadlines(3, 15, 10, WORK),
    S.SUGGESTION: Deadlines(5, 20, 10, WORK),
    S.HOTLINE: Deadlines(1, 20, 10, WORK),  # hotline platforms: "20个工作日" (DOMAIN.md §5)
    S.PROPOSAL: Deadlines(5, 60, 20, WORK),
}
REVIEW_REQUEST_DAYS = 30  # 第三十五、三十六条: ask for 复查 / 复核 within 30 days of the reply
REVIEW_ANSWER_DAYS = 30  # … and the reviewing body answers within 30 days
DUE_SOON_WORKING_DAYS = 2


def deadlines_for(source: str, region_code: str) -> Deadlines:
    """The county's own row for this source, else the shipped default."""
    county = region_code[:6].ljust(12, "0")
    row = CaseDeadline.objects.filter(county_id=county, source=source).first()
    if row is None:
        return DEFAULT_DEADLINES[source]
    return Deadlines(row.accept_days, row.conclude_days, row.extension_days, row.unit)


def calendar_deadline(start: date, days: int) -> date:
    """`days` calendar days after `start` (start not counted); a last day that is not a working
    day (statutory holiday or weekend rest day) moves to the next working day."""
    last = start + timedelta(days=days)
    if not is_working_day(last):
        last = add_working_days(last, 1)
    return last


def deadline_after(start: date, days: int, unit: str) -> date:
    if unit == DeadlineUnit.CALENDAR:
        return calendar_deadline(start, days)
    return add_working_days(start, days)
