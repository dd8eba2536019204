"""The work-bench home page, module placeholders, background-task progress and health."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.core import audit, selectors
from canlian.core.access import public_view, roles_required
from canlian.core.errors import DomainError
from canlian.core.menu import MODULES_BY_KEY
from canlian.core.middleware import mark_passive, session_touch
from canlian.core.models import AuditAction
from canlian.core.roles import ADMIN_ROLES, ALL_ROLES
from canlian.core.taskruns import task_run_retry, task_run_view
from canlian.core.workbench import workbench_items


@roles_required(ALL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    data = selectors.workbench_for(actor=request.user)
    chart_data = [
        {"day": f"{d['day']:%m-%d}", "total": d["total"], "reveals": d["reveals"],
         "exports": d["exports"]}
        for d in data.get("events_by_day", [])
    ]
    todos, follows = workbench_items(request.user)
    return render(request, "core/home.html", {
        "data": data, "chart_data": chart_data, "todos": todos, "follows": follows,
        "show_modules": request.user.role not in ADMIN_ROLES,
    })


@roles_required(ALL_ROLES)
def module_placeholder(request: HttpRequest, key: str) -> HttpResponse:
    module = MODULES_BY_KEY.get(key)
    if module is None or request.user.role not in module.roles:
        raise Http404("没有这个模块。")
    if module.url_name:
        return redirect(module.url_name)
    return render(request, "core/module_placeholder.html", {"module": module})


@roles_required(ALL_ROLES)
def task_progress(request: HttpRequest, task_id: str) -> HttpResponse:
    run = selectors.task_run_get_for(actor=request.user, task_id=task_id)
    view = task_run_view(run)
    if request.headers.get("Accept", "").startswith("application/json"):
        mark_passive(request)  # a poll reads only: no session write (issue 16 §1)
        return JsonResponse(view)
    return render(request, "core/task_progress.html", {"run": run, "view": view})


@roles_required(ALL_ROLES)
@require_POST
def task_retry(request: HttpRequest, task_id: str) -> HttpResponse:
    run = selectors.task_run_get_for(actor=request.user, task_id=task_id)
    try:
        task_run_retry(actor=request.user, run=run)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "任务已重新排队，将从头运行。")
    return redirect("core:task_progress", task_id=run.pk)


@roles_required(ALL_ROLES)
def task_download(request: HttpRequest, task_id: str) -> HttpResponse:
    run = selectors.task_run_get_for(actor=request.user, task_id=task_id)
    if not run.result_file or not Path(run.result_file).is_file():
        raise Http404("该任务没有可下载的文件，或文件已按保留期限清理。")
    audit.audit_record(
        actor=request.user, action=AuditAction.EXPORT, object_type="core.taskrun",
        object_id=str(run.pk), region_code=request.user.region_id,
        summary=f"下载导出文件：{run.title}", request=request,
    )
    return FileResponse(open(run.result_file, "rb"), as_attachment=True,
                        filename=run.result_name or "export.xlsx")


@roles_required(ALL_ROLES)
def keepalive(request: HttpRequest) -> HttpResponse:
    """A cheap request that extends the idle session (the "继续使用" button)."""
    session_touch(request)
    return HttpResponse(status=204)


@public_view
def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
