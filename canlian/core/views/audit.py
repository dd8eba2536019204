"""The audit log as the 审计管理员 reads and exports it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.core import selectors
from canlian.core.access import roles_required
from canlian.core.auditview import describe
from canlian.core.exports import audit_export_start
from canlian.core.forms import AuditFilterForm
from canlian.core.roles import Role
from canlian.core.views.paging import paginate

PAGE_SIZE = 50


def _filters(form: AuditFilterForm) -> selectors.AuditFilter:
    if not form.is_valid():
        return selectors.AuditFilter()
    return selectors.AuditFilter(**{k: v or ("" if k not in ("date_from", "date_to") else None)
                                    for k, v in form.cleaned_data.items()})


@roles_required(Role.AUDITOR)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_for(actor=request.user, filters=_filters(form))
    context = paginate(request, events, PAGE_SIZE)
    describe(list(context["page"]))
    return render(request, "core/audit_list.html", {"form": form, **context})


@roles_required(Role.AUDITOR)
@require_POST
def audit_export(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.POST)
    if not form.is_valid():
        # Never fall back to exporting everything when the filters could not be read.
        messages.error(request, "筛选条件有误，未导出。请检查日期等条件后再试。")
        return redirect("core:audit_list")
    run = audit_export_start(actor=request.user, filters=_filters(form))
    return redirect("core:task_progress", task_id=run.pk)
