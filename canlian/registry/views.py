"""Registry pages: list and search, the 360° person page, create/edit, reveal, export, import."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_certificate_number, mask_id_number, mask_phone
from canlian.core.reveal import reveal_remember, reveal_take
from canlian.core.views.paging import paginate
from canlian.registry import jobs, selectors, services
from canlian.registry.forms import ImportForm, PersonFilterForm, PersonForm
from canlian.registry.models import Category, Person
from canlian.registry.permissions import (
    EXPORT_ROLES,
    READ_ROLES,
    REVEALABLE_FIELDS,
    WRITE_ROLES,
    can_edit_person,
    can_reveal,
)

MASKS = {"id_number": mask_id_number, "phone": mask_phone,
         "certificate_number": mask_certificate_number, "guardian_id_number": mask_id_number,
         "guardian_phone": mask_phone}


def _filters(request: HttpRequest, data: Any) -> tuple[PersonFilterForm, selectors.PersonFilter]:
    form = PersonFilterForm(data or None,
                            region_choices=core_selectors.region_choices_for(actor=request.user))
    if not form.is_valid():
        return form, selectors.PersonFilter()
    values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    return form, selectors.PersonFilter(**values)


@roles_required(READ_ROLES)
def person_list(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request, request.GET)
    persons = selectors.persons_for(actor=request.user, filters=filters)
    return render(request, "registry/person_list.html", {
        "form": form, **paginate(request, persons, 50),
        "can_edit": can_edit_person(request.user),
        "can_export": request.user.role in EXPORT_ROLES,
    })


@roles_required(READ_ROLES)
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    revealed = reveal_take(request, person)
    shown = {field: (getattr(person, field) if field == revealed else mask(getattr(person, field)))
             for field, mask in MASKS.items()}
    return render(request, "registry/person_detail.html", {
        "person": person, "shown": shown, "revealed": revealed,
        "revealable": REVEALABLE_FIELDS if can_reveal(request.user) else {},
        "hardships": selectors.hardships_of(person),
        "component_labels": [Category(c).label for c in person.components],
        "members": selectors.household_members(person),
        "statuses": selectors.household_statuses(person),
        "history": selectors.person_history(person),
        "can_edit": can_edit_person(request.user),
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
    try:
        saved = services.person_save(actor=request.user, row=form.row, person=person,
                                     request=request)
    except DomainError as error:
        form.add_domain_error(error)
        return None
    messages.success(request, f"{saved.name} 的信息已保存。")
    return redirect("registry:person_detail", person_id=saved.pk)


@roles_required(WRITE_ROLES)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST if request.method == "POST" else None,
                      region_choices=_village_choices(request))
    return _save(request, form, None) or render(
        request, "registry/person_form.html", {"form": form, "title": "新增残疾人"})


@roles_required(WRITE_ROLES)
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    form = PersonForm(request.POST if request.method == "POST" else None,
                      initial=_initial(person), region_choices=_village_choices(request))
    return _save(request, form, person) or render(
        request, "registry/person_form.html",
        {"form": form, "title": f"修改：{person.name}", "person": person})


def _initial(person: Person) -> dict[str, Any]:
    head = person.household.head if person.household_id and person.household else None
    return {
        "name": person.name, "id_number": person.id_number, "region": person.region_id,
        "address": person.address, "phone": person.phone,
        "category": person.category or "", "grade": person.grade or "",
        "components": [str(c) for c in person.components],
        "certificate_number": person.certificate_number,
        "certificate_issued_on": person.certificate_issued_on,
        "certificate_valid_until": person.certificate_valid_until,
        "needs_long_term_care": "是" if person.needs_long_term_care else "否",
        "living_status": person.get_living_status_display(),
        "died_on": person.living_status_on if person.living_status == "deceased" else None,
        "head_id_number": head.id_number if head is not None and head.pk != person.pk else "",
        "relation_to_head": person.relation_to_head,
        "guardian_name": person.guardian_name, "guardian_id_number": person.guardian_id_number,
        "guardian_phone": person.guardian_phone,
    }


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
