"""JSON API of the core app (/api/v1/…), backed by the same selectors as the pages.

No `from __future__ import annotations` here: django-ninja reads the parameter types of the
operations through the role-check wrapper, whose module does not import them.
"""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Router
from ninja.pagination import LimitOffsetPagination, paginate

from canlian.core import selectors
from canlian.core.api_auth import MAX_ID, api_roles
from canlian.core.idnumbers import mask_phone
from canlian.core.models import AuditEvent, User
from canlian.core.roles import ALL_ROLES, STAFF_ROLES, Role
from canlian.core.schemas import (
    AuditEventOut,
    ErrorOut,
    MeOut,
    RegionOut,
    TaskRunOut,
    UserOut,
)
from canlian.core.taskruns import task_run_view

router = Router(tags=["基础"])

@router.get("/me", response=MeOut, summary="当前用户")
@api_roles(ALL_ROLES)
def me(request: HttpRequest) -> dict[str, str]:
    user: User = request.auth  # type: ignore[attr-defined]
    return {"username": user.username, "name": user.name, "role": user.role,
            "role_label": user.get_role_display(), "region_code": user.region_id,
            "region_name": user.region.name}

@router.get("/regions", response=list[RegionOut], summary="管辖范围内的行政区划")
@api_roles(STAFF_ROLES)
@paginate(LimitOffsetPagination)
def regions(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_id}
        for r in selectors.regions_for(actor=request.auth)  # type: ignore[arg-type]
    ]

def _user_out(u: User) -> dict[str, object]:
    return {"id": u.pk, "username": u.username, "name": u.name, "role": u.role,
            "region_code": u.region_id, "phone_masked": mask_phone(u.phone),
            "is_active": u.is_active, "is_locked": u.is_locked()}

@router.get("/users", response=list[UserOut], summary="账户列表")
@api_roles(Role.COUNTY_ADMIN)
@paginate(LimitOffsetPagination)
def users(request: HttpRequest, q: str = "", role: str = "") -> list[dict[str, object]]:
    return [_user_out(u) for u in selectors.users_for(actor=request.auth, query=q, role=role)]

@router.get("/users/{user_id}", response={200: UserOut, 404: ErrorOut}, summary="账户详情")
@api_roles(Role.COUNTY_ADMIN)
def user_detail(request: HttpRequest,
                user_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, object]:
    return _user_out(selectors.user_get_for(actor=request.auth, user_id=user_id))

@router.get("/audit", response=list[AuditEventOut], summary="审计日志")
@api_roles(Role.AUDITOR)
@paginate(LimitOffsetPagination)
def audit_events(request: HttpRequest, action: str = "", username: str = "") -> list[AuditEvent]:
    return selectors.audit_events_for(  # type: ignore[return-value]
        actor=request.auth, filters=selectors.AuditFilter(action=action, username=username)
    )

@router.get("/tasks/{task_id}", response={200: TaskRunOut, 404: ErrorOut}, summary="后台任务进度")
@api_roles(ALL_ROLES)
def task_run(request: HttpRequest, task_id: UUID) -> dict[str, object]:
    run = selectors.task_run_get_for(actor=request.auth, task_id=task_id)
    view = task_run_view(run)  # a job whose worker vanished reads "interrupted"
    return {"id": str(run.pk), "title": run.title, "status": view["status"],
            "percent": view["percent"], "done": run.done, "total": run.total,
            "message": view["message"]}
