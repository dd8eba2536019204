"""Schemas of the appraisal JSON API (api.py). Scores and money are decimal strings ("65.36",
"273.00"), as on the pages, so no client rounds them through a float."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from canlian.core.api_auth import MAX_ID


class QuarterOut(Schema):
    id: int
    year: int
    quarter: int
    label: str
    status: str
    officer_count: int
    total_amount: str
    computed_at: datetime
    finalized_at: datetime | None


class ResultQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    quarter: int | None = Field(None, ge=1, le=4)
    region: str = Field("", pattern=r"^(\d{12})?$", description="乡镇或村的 12 位区划代码")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_ID)


class ResultOut(Schema):
    id: int
    year: int
    quarter: int
    quarter_status: str
    region_code: str
    region_name: str
    township_name: str
    name: str
    has_account: bool
    score: str
    tier: str
    tier_percent: int
    amount: str
    is_adjusted: bool


class ResultPage(Schema):
    items: list[ResultOut]
    count: int


class KpiOut(Schema):
    key: str
    label: str
    done: int
    expected: int
    weight: int
    points: str


class ManualOut(Schema):
    name: str
    max_score: int
    score: str | None


class AppealOut(Schema):
    status: str
    reason: str
    filed_at: datetime
    decision_reason: str
    decided_at: datetime | None
    score_before: str | None
    score_after: str | None


class ResultDetailOut(ResultOut):
    kpis: list[KpiOut]
    manual_items: list[ManualOut]
    manual_points: str
    computed_score: str
    appeal: AppealOut | None
