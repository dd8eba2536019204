"""Input and output schemas of the benefits JSON API (api.py).

Months are "YYYY-MM" strings and money is a decimal string ("120.00"), as on the pages and in
the catalog file, so no client rounds an amount through a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from canlian.core.api_auth import MAX_ID

MONTH_PATTERN = r"^\d{4}-\d{2}$"


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class RateOut(Schema):
    label: str
    condition: str
    amount: str
    effective_from: str
    effective_to: str | None


class PolicyOut(Schema):
    code: str
    name: str
    level: str
    category: str
    region_code: str
    period: str
    exclusivity_group: str
    review_steps: list[str]
    discover_gaps: bool
    is_example: bool
    is_active: bool


class PolicyDetailOut(PolicyOut):
    legal_basis: str
    start_rule: str
    stop_rule: str
    required_materials: list[str]
    description: str
    rule: str
    rule_version: int
    rates: list[RateOut]


class RunOut(Schema):
    id: int
    month: str
    region_code: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, dict[str, int]]


class RunPage(Schema):
    items: list[RunOut]
    count: int


class GapQuery(PageQuery):
    policy: str = Field("", max_length=40)
    kind: Literal["", "to_enrol", "to_stop"] = ""


class GapOut(Schema):
    id: int
    policy: str
    kind: str
    person_id: int
    name: str
    region_code: str
    region_name: str
    amount: str | None
    reason: str


class GapPage(Schema):
    items: list[GapOut]
    count: int


class EnrolmentQuery(PageQuery):
    status: Literal["", "pending", "enrolled", "suspended", "terminated", "rejected"] = ""
    policy: str = Field("", max_length=40)


class EnrolmentStepOut(Schema):
    action: str
    approved: bool
    note: str
    effective_month: str | None
    actor_name: str
    at: datetime


class EnrolmentOut(Schema):
    id: int
    person_id: int
    name: str
    policy: str
    policy_name: str
    region_code: str
    status: str
    next_step: str
    applied_month: str
    start_month: str | None
    end_month: str | None
    stop_reason: str
    version: int


class EnrolmentDetailOut(EnrolmentOut):
    channel: str
    for_ward: bool
    note: str
    steps: list[EnrolmentStepOut]


class EnrolmentPage(Schema):
    items: list[EnrolmentOut]
    count: int


class EnrolmentApplyIn(Schema):
    person_id: int = Field(..., ge=1, le=MAX_ID)
    policy: str = Field(..., min_length=1, max_length=40)
    applied_month: str = Field(..., pattern=MONTH_PATTERN)
    for_ward: bool = False
    note: str = Field("", max_length=200)


class EnrolmentReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)
    version: int = Field(..., ge=0, le=2**31 - 1)


class BatchOut(Schema):
    id: int
    policy: str
    policy_name: str
    region_code: str
    period_start: str
    period_end: str
    status: str
    rule_version: int
    line_count: int
    total: str
    generated_at: datetime
    approved_at: datetime | None


class BatchPage(Schema):
    items: list[BatchOut]
    count: int


class LineQuery(PageQuery):
    status: Literal["", "pending", "paid", "failed"] = ""


class LineOut(Schema):
    id: int
    person_id: int
    name: str
    region_code: str
    period: str
    amount: str
    is_backpay: bool
    status: str
    failure_reason: str


class LinePage(Schema):
    items: list[LineOut]
    count: int
