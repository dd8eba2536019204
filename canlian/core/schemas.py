from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator


def _iso_date_only(value: Any) -> Any:
    """Query dates must be written YYYY-MM-DD: pydantic alone would read `0` as 1970-01-01."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期应写作 YYYY-MM-DD")
    return value


# A date in a query string, as the schema declares it (format: date).
QueryDate = Annotated[date, BeforeValidator(_iso_date_only)]


class MeOut(Schema):
    username: str
    name: str
    role: str
    role_label: str
    region_code: str
    region_name: str


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str
    region_code: str
    phone_masked: str
    is_active: bool
    is_locked: bool


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_username: str
    action: str
    success: bool
    object_type: str
    object_id: str
    region_code: str
    summary: str


class TaskRunOut(Schema):
    id: str
    title: str
    status: str
    percent: int
    done: int
    total: int
    message: str


class ErrorOut(Schema):
    detail: str
