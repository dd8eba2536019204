from __future__ import annotations

from datetime import datetime

from ninja import Schema


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
