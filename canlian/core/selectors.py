"""Reads of the core app, always scoped by the acting user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from canlian.core.managers import jurisdiction_prefix
from canlian.core.models import (
    AccountRequest,
    AccountRequestStatus,
    ApiToken,
    AuditAction,
    AuditEvent,
    Region,
    TaskRun,
    User,
)
from canlian.core.roles import Role
from canlian.core.workbench import Todo


def users_for(*, actor: User, query: str = "", role: str = "", region: str = "") -> QuerySet[User]:
    users = User.objects.visible_to(actor).select_related("region")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(name__icontains=query))
    if role:
        users = users.filter(role=role)
    if region:
        users = users.filter(region__code__startswith=region)
    return users.order_by("region_id", "username")


def user_get_for(*, actor: User, user_id: int) -> User:
    try:
        return User.objects.visible_to(actor).select_related("region").get(pk=user_id)
    except User.DoesNotExist:
        raise Http404("没有找到该账户。") from None


def regions_for(*, actor: User) -> QuerySet[Region]:
    """Regions inside the actor's jurisdiction (the actor's own region included)."""
    prefix = jurisdiction_prefix(actor)
    if prefix is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=prefix).order_by("code")


def region_choices_for(*, actor: User) -> list[tuple[str, str]]:
    """Options for a region select, indented by level so a screen reader reads the path."""
    indent = {"province": 0, "city": 0, "county": 0, "township": 1, "village": 2}
    return [
        (r.code, f"{'　' * indent[r.level]}{r.name}（{r.code}）")
        for r in regions_for(actor=actor).only("code", "name", "level")
    ]


def region_labels(codes: Iterable[str]) -> dict[str, str]:
    """Region code → the name a user reads ("楚米镇 青龙村" for a village, the name otherwise),
    for every code given, in one query."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return {
        region.code: (f"{region.parent.name} {region.name}"
                      if region.level == "village" and region.parent else region.name)
        for region in Region.objects.filter(code__in=wanted).select_related("parent")
    }


@dataclass(frozen=True)
class AuditFilter:
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""
    username: str = ""
    object_type: str = ""
    object_id: str = ""


def audit_events_for(*, actor: User, filters: AuditFilter) -> QuerySet[AuditEvent]:
    """The audit log as the 审计管理员 may read it: their jurisdiction plus system-wide events."""
    if actor.role != Role.AUDITOR:
        return AuditEvent.objects.none()
    prefix = jurisdiction_prefix(actor) or ""
    events = AuditEvent.objects.filter(Q(region_code__startswith=prefix) | Q(region_code=""))
    tz = timezone.get_current_timezone()
    if filters.date_from:
        events = events.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tzinfo=tz)
        events = events.filter(at__lt=end)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.username:
        events = events.filter(actor_username__icontains=filters.username)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.object_id:
        events = events.filter(object_id=filters.object_id)
    return events.order_by("-at", "-id")


def audit_events_by_day(*, actor: User, days: int) -> list[dict[str, Any]]:
    """Events per day for the last `days` days (all, reveals, exports), oldest first, zero-filled:
    one grouped query, for the auditor's chart and its table."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=timezone.get_current_timezone())
    rows = (
        audit_events_for(actor=actor, filters=AuditFilter())
        .filter(at__gte=start)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            total=Count("id"),
            reveals=Count("id", filter=Q(action=AuditAction.REVEAL)),
            exports=Count("id", filter=Q(action=AuditAction.EXPORT)),
        )
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        series.append({"day": day, "total": row.get("total", 0),
                       "reveals": row.get("reveals", 0), "exports": row.get("exports", 0)})
    return series


def task_run_get_for(*, actor: User, task_id: Any) -> TaskRun:
    """A background task's progress; only the person who started it may see it."""
    try:
        return TaskRun.objects.select_related("worker").get(pk=task_id, created_by=actor)
    except (TaskRun.DoesNotExist, ValueError):
        raise Http404("没有找到该任务。") from None


def locked_users_for(*, actor: User) -> QuerySet[User]:
    return User.objects.visible_to(actor).filter(locked_until__gt=timezone.now()).select_related(
        "region"
    )


def api_tokens_for(*, actor: User, username: str = "") -> QuerySet[ApiToken]:
    """API tokens of accounts in the 安全管理员's jurisdiction, newest first."""
    if actor.role != Role.SECURITY_ADMIN:
        return ApiToken.objects.none()
    tokens = ApiToken.objects.filter(user__in=User.objects.visible_to(actor))
    if username:
        tokens = tokens.filter(user__username=username)
    return tokens.select_related("user__region").order_by("-created_at", "-id")


def api_token_get_for(*, actor: User, token_id: int) -> ApiToken:
    try:
        return api_tokens_for(actor=actor).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("没有找到该接口令牌。") from None


def account_requests_for(*, actor: User) -> QuerySet[AccountRequest]:
    """Requests for administrator accounts in the actor's jurisdiction: the 系统管理员 who
    asks and the 安全管理员 and 审计管理员 who approve see them."""
    if actor.role not in (Role.COUNTY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR):
        return AccountRequest.objects.none()
    return (AccountRequest.objects.visible_to(actor)
            .select_related("requested_by", "decided_by", "target", "region")
            .order_by("-requested_at", "-id"))


def account_request_todos(actor: User) -> list[Todo]:
    """The 安全管理员's and 审计管理员's 待办: pending administrator-account requests they may
    decide (not their own, not about themselves: permissions.can_decide_account_request)."""
    if actor.role not in (Role.SECURITY_ADMIN, Role.AUDITOR):
        return []
    count = (AccountRequest.objects.visible_to(actor)
             .filter(status=AccountRequestStatus.PENDING)
             .exclude(requested_by=actor).exclude(target=actor).count())
    return [Todo(label="待审批的管理员账户申请", count=count, module="账户管理",
                 url=reverse("core:account_request_list"))]


def account_request_get_for(*, actor: User, request_id: int) -> AccountRequest:
    try:
        return account_requests_for(actor=actor).get(pk=request_id)
    except AccountRequest.DoesNotExist:
        raise Http404("没有找到该申请。") from None


def workbench_for(*, actor: User) -> dict[str, Any]:
    """Figures for the role's home page; each block only for the roles whose work it is."""
    data: dict[str, Any] = {}
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if actor.role == Role.COUNTY_ADMIN:
        users = User.objects.visible_to(actor)
        data["user_count"] = users.filter(is_active=True).count()
        data["inactive_count"] = users.filter(is_active=False).count()
        data["users_by_role"] = [
            (Role(row["role"]).label, row["n"])
            for row in users.filter(is_active=True).values("role").annotate(n=Count("id"))
            .order_by("role")
        ]
    if actor.role == Role.SECURITY_ADMIN:
        data["locked_users"] = list(locked_users_for(actor=actor)[:20])
        data["failed_today"] = AuditEvent.objects.filter(
            action=AuditAction.LOGIN_FAILED, at__gte=today_start,
            region_code__startswith=actor.region.prefix,
        ).count()
    if actor.role == Role.AUDITOR:
        events = audit_events_for(actor=actor, filters=AuditFilter())
        data["events_today"] = events.filter(at__gte=today_start).count()
        data["reveals_today"] = events.filter(
            at__gte=today_start, action=AuditAction.REVEAL
        ).count()
        data["exports_today"] = events.filter(
            at__gte=today_start, action=AuditAction.EXPORT
        ).count()
        data["recent_events"] = list(events[:10])
        data["events_by_day"] = audit_events_by_day(actor=actor, days=14)
    data["my_tasks"] = list(TaskRun.objects.filter(created_by=actor)[:5])
    return data
