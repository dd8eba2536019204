"""Case pages: the list, registering, the detail with its history, each transition's form,
attachments, and the 问题清单 board with its export."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from canlian.cases import files, permissions, selectors, services
from canlian.cases.forms import (
    AcceptForm,
    AssignForm,
    AttachmentForm,
    BoardFilterForm,
    CaseFilterForm,
    CaseForm,
    ConcludeForm,
    ExtendForm,
    NoteForm,
    RateForm,
    ReasonForm,
    VersionForm,
    uploads,
)
from canlian.cases.models import Case, CaseAttachment, ReviewStage
from canlian.core import audit
from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.exports import xlsx_write
from canlian.core.models import AuditAction, User
from canlian.core.params import query_int
from canlian.core.views.paging import paginate


@roles_required(permissions.READ_ROLES)
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    filters = selectors.CaseFilter(**{k: v for k, v in values.items() if v})
    return render(request, "cases/case_list.html", {
        "form": form, **paginate(request, selectors.cases_for(actor=request.user,
                                                              filters=filters), 50),
        "deadlines": selectors.case_deadlines_for(actor=request.user, limit=20),
        "can_register": request.user.role in permissions.REGISTER_ROLES,
        "today": timezone.localdate(),
    })


def _region_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return core_selectors.region_choices_for(actor=request.user)


@roles_required(permissions.REGISTER_ROLES)
def case_create(request: HttpRequest) -> HttpResponse:
    person = None
    if (person_id := query_int(request.GET, "person")) is not None:
        person = selectors.person_for_visit(actor=request.user, person_id=person_id)
    form = CaseForm(request.POST if request.method == "POST" else None,
                    request.FILES or None, region_choices=_region_choices(request),
                    has_person=person is not None,
                    initial={"region": request.user.region_id} if request.user.region.level
                    == "village" else {})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_register(
                actor=request.user, source=data["source"], category=data["category"],
                title=data["title"], description=data["description"],
                region_code=data.get("region", ""), person=person,
                contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                attachments=uploads(data["attachments"]), request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"诉求已登记，编号 {case.reference}，承办单位："
                                      f"{case.responsible_unit or '待指定'}。")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "person": person})


ACTIONS: dict[str, str] = {
    "accept": "受理", "start": "开始办理", "assign": "改派", "extend": "延期",
    "conclude": "办结答复", "rate": "回访评价", "confirm": "销号", "return": "退回",
    "review": "申请复查/复核",
}


def available_actions(actor: User, case: Case) -> list[tuple[str, str]]:
    """The actions this actor may take on the case now (the service checks them again)."""
    found = []
    handler = permissions.can_handle(actor, case)
    household = services.household_person_ids(actor)
    status = case.status
    for action, title in ACTIONS.items():
        allowed = services.ALLOWED_FROM.get(action, ())
        if status not in allowed:
            continue
        if action in ("rate", "confirm") and permissions.closure_conflict(actor, case):
            continue
        if action == "rate":
            ok = permissions.can_rate(actor, case, household)
        elif action == "review":
            ok = (permissions.can_request_review(actor, case, household)
                  and case.review_stage < ReviewStage.RECHECK)
        elif action == "confirm":
            ok = handler and services.confirm_allowed(case)
        else:
            ok = handler
        if ok:
            label = title
            if action == "review":
                label = "申请复核" if case.review_stage == ReviewStage.REVIEW else "申请复查"
            found.append((action, label))
    return found


@roles_required(permissions.READ_ROLES)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get_for(actor=request.user, case_id=case_id)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.case_attach(actor=request.user, case=case,
                                 upload=files.Upload(upload.name, upload.read()), request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "附件已上传。")
            return redirect("cases:case_detail", case_id=case.pk)
    return render(request, "cases/case_detail.html", {
        "case": case, "events": selectors.case_events(case),
        "attachments": selectors.case_attachments(case), "form": form,
        "actions": available_actions(request.user, case),
        "closure_refusal": permissions.closure_conflict(request.user, case)
        if case.status == "concluded" else "",
        "is_overdue": selectors.is_overdue(case), "overdue_days": selectors.overdue_days(case),
        "can_attach": case.is_open and request.user.role in permissions.REGISTER_ROLES,
    })


def _action_form(action: str, request: HttpRequest, case: Case) -> VersionForm:
    data = request.POST if request.method == "POST" else None
    initial = {"version": case.version}
    if action == "accept":
        return AcceptForm(data, initial=initial)
    if action == "assign":
        units = [(u.pk, u.name) for u in selectors.units_for(actor=request.user)]
        return AssignForm(data, initial=initial, units=units)
    if action == "extend":
        return ExtendForm(data, initial=initial)
    if action == "conclude":
        return ConcludeForm(data, initial=initial)
    if action == "rate":
        return RateForm(data, initial=initial)
    if action == "return":
        return ReasonForm(data, initial=initial)
    return NoteForm(data, initial=initial)


def run_action(action: str, request: HttpRequest, case: Case, data: dict[str, Any]) -> None:
    common = {"actor": request.user, "case": case, "expected_version": data["version"],
              "request": request}
    runners: dict[str, Callable[[], Any]] = {
        "accept": lambda: services.case_accept(**common, note=data["note"]),
        "start": lambda: services.case_start(**common, note=data["note"]),
        "assign": lambda: services.case_assign(
            **common, unit=selectors.units_for(actor=request.user).get(pk=data["unit"]),
            note=data["note"]),
        "extend": lambda: services.case_extend(**common, days=data["days"],
                                               reason=data["reason"]),
        "conclude": lambda: services.case_conclude(**common, reply=data["reply"]),
        "rate": lambda: services.case_rate(**common, satisfaction=data["satisfaction"],
                                           note=data["note"]),
        "confirm": lambda: services.case_confirm(**common, note=data["note"]),
        "return": lambda: services.case_return(**common, reason=data["reason"]),
        "review": lambda: services.case_review_request(**common, note=data["note"]),
    }
    runners[action]()


@roles_required(permissions.VISIT_ROLES)
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("没有这个操作。")
    case = selectors.case_get_for(actor=request.user, case_id=case_id)
    form = _action_form(action, request, case)
    if request.method == "POST" and form.is_valid():
        try:
            run_action(action, request, case, form.cleaned_data)
        except DomainError as error:
            if error.code in ("conflict", "out_of_order", "forbidden", "jurisdiction", "final",
                              "late", "separation_of_duties"):
                messages.error(request, error.message)
                return redirect("cases:case_detail", case_id=case.pk)
            form.add_domain_error(error)
        else:
            messages.success(request, f"已完成“{ACTIONS[action]}”。")
            return redirect("cases:case_detail", case_id=case.pk)
    titles = dict(available_actions(request.user, case))
    return render(request, "cases/case_action.html", {
        "case": case, "form": form, "action": action,
        "title": titles.get(action, ACTIONS[action]), "allowed": action in titles,
    })


@roles_required(permissions.READ_ROLES)
def attachment_download(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get_for(actor=request.user, case_id=case_id,
                                              attachment_id=attachment_id)
    return attachment_response(request, attachment)


def attachment_response(request: HttpRequest, attachment: CaseAttachment) -> HttpResponse:
    """A private upload, sent to a reader already checked by the selector; audited."""
    path = files.absolute(attachment.path)
    if not path.is_file():
        raise Http404("文件不存在。")
    audit.audit_record(actor=request.user, action=AuditAction.EXPORT, obj=attachment.case,
                       summary="查看诉求附件", request=request)
    return FileResponse(path.open("rb"), content_type=attachment.content_type,
                        filename=attachment.original_name)


# ------------------------------------------------------------------ 问题清单


@roles_required(permissions.READ_ROLES)
def board(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None, years=selectors.year_choices())
    year = form.cleaned_data.get("year") if form.is_valid() else None
    data = selectors.board_for(actor=request.user, year=year)
    return render(request, "cases/board.html", {"form": form, "board": data, "year": year})


@roles_required(permissions.READ_ROLES)
@require_POST
def board_export(request: HttpRequest) -> HttpResponse:
    """The board as a watermarked XLSX (a few hundred rows: written at once, audited). An
    export is an action, so it is a POST (a GET, prefetched or crawled, wrote a file and an
    audit row each time); the file is unlinked once open, so none is left behind."""
    form = BoardFilterForm(request.POST, years=selectors.year_choices())
    year = form.cleaned_data.get("year") if form.is_valid() else None
    data = selectors.board_for(actor=request.user, year=year)
    title = f"问题清单{f'（{year} 年）' if year else ''}"
    folder = Path(settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="board-", suffix=".xlsx",
                                     delete=False) as out:
        path = Path(out.name)
    try:
        count = xlsx_write(path, actor=request.user, title=title,
                           headers=selectors.BOARD_HEADERS, rows=selectors.board_rows(data))
        audit.audit_record(actor=request.user, action=AuditAction.EXPORT,
                           object_type="cases.case", region_code=request.user.region_id,
                           summary=f"导出问题清单 {count} 行", request=request)
        handle = path.open("rb")
    finally:
        path.unlink(missing_ok=True)
    return FileResponse(handle, as_attachment=True,
                        filename=f"{title}_{timezone.localtime():%Y%m%d%H%M}.xlsx")

