"""Months as the first day of the month (benefits are decided and paid per month)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from canlian.core.errors import DomainError


def month_start(value: date) -> date:
    return value.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def this_month() -> date:
    return month_start(timezone.localdate())


def parse_month(text: str, *, field: str = "month") -> date:
    """`YYYY-MM` (or `YYYY-MM-DD`) → the first day of that month; a Chinese error otherwise."""
    try:
        year, month = (int(part) for part in str(text).strip().split("-")[:2])
        return date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError("bad_month", f"“{text}”不是有效的年月，请按 YYYY-MM 填写。",
                          field=field) from None
