"""Registry pages: list and search, the 360° person page, create/edit, reveal, export, import,
maker-checker review and its per-county settings."""

from __future__ import annotations

import io
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.audit import MASKED_FIELDS
from canlian.core.errors import DomainError
from canlian.core.panels import person_panels
from canlian.core.reveal import reveal_remember, reveal_take
from canlian.core.roles import Role
from canlian.core.views.paging import paginate
from canlian.registry import changes, jobs, selectors, services
from canlian.registry.forms import (
    ApprovalSettingsForm,
    ImportForm,
    PersonFilterForm,
    PersonForm,
)
from canlian.registry.models import Category, ChangeStatus, FieldGroup, Person
from canlian.registry.permissions import (
    EDIT_ROLES,
    EXPORT_ROLES,
    READ_ROLES,
    REVEALABLE_FIELDS,
    WRITE_ROLES,
    can_edit_person,
    can_reveal,
)
from canlian.registry.workbook import import_template_write


def _filters(request: HttpRequest, data: Any) -> tuple[PersonFilterForm, selectors.PersonFilter]:
    form = PersonFilterForm(data or None,
                            region_choices=core_selectors.region_choices_for(actor=request.user))
    if not form.is_valid():
        return form, selectors.PersonFilter()
    values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    return form, selectors.PersonFilter(**values)


ID_SEARCHES = "registry_id_searches"  # session: search token → the identifier searched for
ID_SEARCHES_KEPT = 10


def _search_redirect(request: HttpRequest, data: QueryDict) -> HttpResponse:
    """POST-redirect-GET for the search form. A name stays in the URL (a list can be
    bookmarked); an identifier is kept in the session behind a random token, so no URL —
    the redirect, the page, its pagination links, an access log line — holds it."""
    params = data.copy()
    for name in ("csrfmiddlewaretoken", "page", "qs"):
        params.pop(name, None)
    q = params.get("q", "")
    if selectors.is_identifier_query(q):
        token = secrets.token_urlsafe(9)
        searches = {**request.session.get(ID_SEARCHES, {}), token: q}
        request.session[ID_SEARCHES] = dict(list(searches.items())[-ID_SEARCHES_KEPT:])
        params.pop("q")
        params["qs"] = token
    query = params.urlencode()
    return redirect(reverse("registry:person_list") + (f"?{query}" if query else ""))


def _search_data(request: HttpRequest) -> QueryDict:
    """The list's filters: the GET parameters, with an identifier search restored from the
    session by its token."""
    data = request.GET.copy()
    token = data.pop("qs", [""])[-1]
    if token:
        q = request.session.get(ID_SEARCHES, {}).get(token)
        if q is None:
            messages.warning(request, "按证件号码查找的条件已失效，请重新输入。")
        else:
            data["q"] = q
    return data


@roles_required(READ_ROLES)
def person_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" or selectors.is_identifier_query(request.GET.get("q", "")):
        return _search_redirect(request, request.POST if request.method == "POST"
                                else request.GET)
    form, filters = _filters(request, _search_data(request))
    persons = selectors.persons_for(actor=request.user, filters=filters)
    page = paginate(request, persons, 50)
    return render(request, "registry/person_list.html", {
        "form": form, **page, "with_members": filters.members,
        # Nothing among disabled persons: say how many household members match (one query).
        "members_matching": selectors.members_matching(actor=request.user, filters=filters)
        if not page["page"].paginator.count and not filters.members else 0,
        "can_edit": can_edit_person(request.user),
        "can_import": request.user.role in WRITE_ROLES,
        "can_export": request.user.role in EXPORT_ROLES,
    })


@roles_required(READ_ROLES)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    revealed = reveal_take(request, person)
    shown = {field: (getattr(person, field) if field == revealed else mask(getattr(person, field)))
             for field, mask in MASKED_FIELDS.items() if hasattr(person, field)}
    return render(request, "registry/person_detail.html", {
        "person": person, "shown": shown, "revealed": revealed,
        "revealable": REVEALABLE_FIELDS if can_reveal(request.user) else {},
        "hardships": selectors.hardships_of(person),
        "component_labels": [Category(c).label for c in person.components],
        "members": selectors.household_members(actor=request.user, person=person),
        "statuses": selectors.household_statuses(person),
        "history": selectors.person_history(person),
        "can_edit": can_edit_person(request.user),
        "panels": person_panels(request.user, person),
    })


@roles_required(READ_ROLES)
@require_POST
def person_reveal(request: HttpRequest, person_id: int, field: str) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    try:
        services.person_reveal_identifier(actor=request.user, person=person, field=field,
                                          request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        reveal_remember(request, person, field)
    return redirect("registry:person_detail", person_id=person.pk)


def _village_choices(request: HttpRequest) -> list[tuple[str, str]]:
    return [(code, label) for code, label in core_selectors.region_choices_for(actor=request.user)
            if not code.endswith("000")]


def _save(request: HttpRequest, form: PersonForm, person: Person | None) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid() or form.row is None:
        return None
    if changes.needs_approval(request.user):
        try:
            edit = changes.liaison_edit_submit(actor=request.user, person=person,
                                               payload=form.payload, request=request)
        except DomainError as error:
            form.add_domain_error(error)
            return None
        return _after_liaison_edit(request, edit, person)
    try:
        saved = services.person_save(actor=request.user, row=form.row, person=person,
                                     request=request)
    except DomainError as error:
        form.add_domain_error(error)
        return None
    messages.success(request, f"{saved.name} 的信息已保存。")
    return redirect("registry:person_detail", person_id=saved.pk)


def _group_labels(groups: tuple[str, ...]) -> str:
    return "、".join(FieldGroup(g).label for g in groups)


def _after_liaison_edit(request: HttpRequest, edit: changes.LiaisonEdit,
                        person: Person | None) -> HttpResponse:
    if edit.person is not None:
        messages.success(request, f"{_group_labels(edit.direct_groups)}的修改已直接生效。")
    if edit.change is not None:
        messages.success(request, f"{_group_labels(edit.pending_groups)}的修改已提交，"
                                  "等待乡镇（街道）残联审核后生效。")
        return redirect("registry:change_detail", change_id=edit.change.pk)
    if edit.person is not None:
        return redirect("registry:person_detail", person_id=edit.person.pk)
    messages.info(request, "没有修改任何信息。")
    if person is not None:
        return redirect("registry:person_detail", person_id=person.pk)
    return redirect("registry:person_list")


def _approval_note(request: HttpRequest) -> str:
    """For a liaison officer: which groups of the form wait for township approval."""
    if not changes.needs_approval(request.user):
        return ""
    waiting = changes.groups_needing_approval(changes.county_code_of(request.user.region_id))
    ordered = tuple(g for g in FieldGroup.values if g in waiting)
    if not ordered:
        return "本县设置：您修改的信息保存后直接生效。"
    if len(ordered) == len(FieldGroup.values):
        return "本县设置：您提交的修改须乡镇（街道）残联审核后生效。"
    return (f"本县设置：{_group_labels(ordered)}的修改须乡镇（街道）残联审核后生效，"
            "其余信息保存后直接生效。新增人员时，只要填写了须审核的信息，整条记录须审核。")


@roles_required(EDIT_ROLES)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST if request.method == "POST" else None,
                      region_choices=_village_choices(request))
    return _save(request, form, None) or render(
        request, "registry/person_form.html",
        {"form": form, "title": "新增残疾人", "approval_note": _approval_note(request)})


@roles_required(EDIT_ROLES)
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    form = PersonForm(request.POST if request.method == "POST" else None, person=person,
                      region_choices=_village_choices(request))
    return _save(request, form, person) or render(
        request, "registry/person_form.html",
        {"form": form, "title": f"修改：{person.name}", "person": person,
         "approval_note": _approval_note(request)})


@roles_required(EXPORT_ROLES)
@require_POST
def person_export(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, request.POST)
    if form.errors:
        messages.error(request, "筛选条件有误，未导出。")
        return redirect("registry:person_list")
    run = jobs.persons_export_start(actor=request.user, filters=filters)
    return redirect("core:task_progress", task_id=run.pk)


@roles_required(WRITE_ROLES)
def person_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST if request.method == "POST" else None,
                      request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > jobs.MAX_UPLOAD_BYTES:
            form.add_error("file", "文件超过 20 MB，请拆分后分批导入。")
        else:
            path = jobs.import_upload_path(uuid.uuid4().hex)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            run = jobs.persons_import_start(actor=request.user, path=path,
                                            filename=upload.name, mode=form.cleaned_data["mode"])
            return redirect("core:task_progress", task_id=run.pk)
    return render(request, "registry/person_import.html", {"form": form})


IMPORT_ERRORS_SHOWN = 200  # bad rows listed on the page; the error file holds them all


@roles_required(WRITE_ROLES)
def import_result(request: HttpRequest, task_id: str) -> HttpResponse:
    """What a finished import found: the counts and the bad rows with their messages (the
    first IMPORT_ERRORS_SHOWN; all of them in the error file). The task page links here."""
    run = core_selectors.task_run_get_for(actor=request.user, task_id=task_id)
    if run.kind != "registry_import":
        raise Http404("没有找到该导入任务。")
    if not run.is_finished:  # progress, retry and worker state live on the task page
        return redirect("core:task_progress", task_id=run.pk)
    errors = (run.result or {}).get("errors", [])
    rows: dict[int, list[dict[str, str]]] = {}
    for error in errors:
        rows.setdefault(error["row"], []).append(error)
    shown = sorted(rows)[:IMPORT_ERRORS_SHOWN]
    return render(request, "registry/import_result.html", {
        "run": run, "result": run.result or {}, "mode": run.params.get("mode"),
        "bad_rows": [(number, rows[number]) for number in shown],
        "more_rows": len(rows) - len(shown)})


@roles_required(WRITE_ROLES)
def import_template(request: HttpRequest) -> HttpResponse:
    """The import template (XLSX): header, an example row, drop-down lists, a 说明 sheet."""
    village = core_selectors.region_choices_for(actor=request.user)
    codes = [code for code, _ in village if not code.endswith("000")]
    out = io.BytesIO()
    import_template_write(out, region_code=codes[0] if codes else request.user.region_id)
    return HttpResponse(out.getvalue(), headers={
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": "attachment; filename*=UTF-8''"
                               + quote("残疾人信息导入模板.xlsx")})


# ---------------------------------------------------------------- change requests (maker-checker)

@roles_required(changes.APPROVER_ROLES | {Role.VILLAGE_LIAISON})
def change_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ChangeStatus.PENDING)
    requests = selectors.change_requests_for(actor=request.user, status=status)
    return render(request, "registry/change_list.html", {
        **paginate(request, requests, 50), "status": status, "statuses": ChangeStatus.choices})


@roles_required(changes.APPROVER_ROLES | {Role.VILLAGE_LIAISON})
def change_detail(request: HttpRequest, change_id: int) -> HttpResponse:
    change = selectors.change_request_get_for(actor=request.user, change_id=change_id)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "approve":
                person = changes.change_request_approve(actor=request.user, change=change,
                                                        request=request)
                messages.success(request, f"已通过，{person.name} 的信息已更新。")
                return redirect("registry:person_detail", person_id=person.pk)
            changes.change_request_reject(actor=request.user, change=change,
                                          note=request.POST.get("note", ""), request=request)
            messages.success(request, "已退回。")
            return redirect("registry:change_list")
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("registry:change_detail", change_id=change.pk)
    return render(request, "registry/change_detail.html", {
        "change": change, "lines": changes.proposed_changes(change),
        "can_decide": changes.can_decide(request.user, change)})


# ---------------------------------------------------------------- maker-checker settings

@roles_required(Role.COUNTY_ADMIN)
def approval_settings(request: HttpRequest) -> HttpResponse:
    county = changes.county_code_of(request.user.region_id)
    waiting = changes.groups_needing_approval(county)
    form = ApprovalSettingsForm(request.POST or None, waiting=waiting)
    if request.method == "POST" and form.is_valid():
        try:
            changes.change_approval_settings_save(actor=request.user,
                                                  needs_approval=form.needs_approval(),
                                                  request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "信息变更审核设置已保存。")
            return redirect("registry:approval_settings")
    return render(request, "registry/approval_settings.html", {"form": form})
