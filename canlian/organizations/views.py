"""Pages of the organisation system: units and their post holders, people, the import and
exports, coverage, the composition check, the directory, training and grassroots days."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from canlian.core import selectors as core_selectors
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.idnumbers import mask_phone
from canlian.core.models import User
from canlian.core.reveal import SESSION_KEY, reveal_remember
from canlian.core.roles import STAFF_ROLES
from canlian.core.tables import ImportFileError
from canlian.core.views.paging import paginate
from canlian.organizations import jobs, selectors, services
from canlian.organizations.forms import (
    AttendanceForm,
    DayForm,
    GrassrootsForm,
    HoldingEndForm,
    HoldingForm,
    ImportForm,
    MemberFilterForm,
    MemberForm,
    ThresholdForm,
    TrainingForm,
    UnitFilterForm,
    UnitForm,
    YearForm,
)
from canlian.organizations.importing import holdings_import, read_table
from canlian.organizations.models import Member, OrgUnit, ThresholdKey
from canlian.organizations.permissions import (
    COUNTY_READ_ROLES,
    COUNTY_WRITE_ROLES,
    EXPORT_ROLES,
    READ_ROLES,
    THRESHOLD_ROLES,
    WRITE_ROLES,
    can_reveal,
    can_write_in,
)


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _regions(request: HttpRequest) -> list[tuple[str, str]]:
    return core_selectors.region_choices_for(actor=request.user)


def _day(request: HttpRequest) -> tuple[DayForm, date]:
    form = DayForm(request.GET or None)
    on = form.cleaned_data["on"] if form.is_valid() and form.cleaned_data["on"] else None
    return form, on or timezone.localdate()


def _year(request: HttpRequest) -> tuple[YearForm, int]:
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() and form.cleaned_data["year"] else None
    return form, year or timezone.localdate().year


# ---------------------------------------------------------------- units

@roles_required(READ_ROLES)
def unit_list(request: HttpRequest) -> HttpResponse:
    form = UnitFilterForm(request.GET or None, region_choices=_regions(request))
    filters = selectors.UnitFilter(**form.cleaned_data) if form.is_valid() else \
        selectors.UnitFilter()
    units = selectors.units_for(actor=request.user, filters=filters)
    return render(request, "organizations/unit_list.html", {
        "form": form, **paginate(request, units, 50),
        "can_write": request.user.role in WRITE_ROLES,
        "can_export": request.user.role in EXPORT_ROLES})


def _parent_choices(request: HttpRequest) -> list[tuple[str, str]]:
    units = selectors.units_for(actor=request.user).filter(is_active=True)
    return [(str(u.pk), f"{u.name}（{u.get_kind_display()}）") for u in units]


def _unit_form(request: HttpRequest, unit: OrgUnit | None = None) -> UnitForm:
    initial = {}
    if unit is not None:
        initial = {"kind": unit.kind, "special_kind": unit.special_kind, "name": unit.name,
                   "region": unit.region_id, "parent": unit.parent_id,
                   "established_on": unit.established_on, "address": unit.address,
                   "is_active": unit.is_active, "note": unit.note}
    return UnitForm(_post(request), initial=initial, region_choices=_regions(request),
                    parent_choices=_parent_choices(request))


@roles_required(WRITE_ROLES)
def unit_create(request: HttpRequest) -> HttpResponse:
    form = _unit_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(actor=request.user, data=form.data_object(),
                                        request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已建立：{unit.name}。")
            return redirect("organizations:unit_detail", unit_id=unit.pk)
    return render(request, "organizations/unit_form.html", {"form": form, "title": "新建组织"})


@roles_required(WRITE_ROLES)
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get_for(actor=request.user, unit_id=unit_id)
    form = _unit_form(request, unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_update(actor=request.user, unit=unit, data=form.data_object(),
                                 request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "组织信息已保存。")
            return redirect("organizations:unit_detail", unit_id=unit.pk)
    return render(request, "organizations/unit_form.html",
                  {"form": form, "title": f"修改：{unit.name}", "unit": unit})


@roles_required(READ_ROLES)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get_for(actor=request.user, unit_id=unit_id)
    current, other = selectors.unit_holdings(unit)
    return render(request, "organizations/unit_detail.html", {
        "unit": unit, "current": current, "other": other,
        "children": selectors.units_for(actor=request.user).filter(parent=unit),
        "can_write": can_write_in(request.user, unit.region_id),
        "end_form": HoldingEndForm(initial={"ended_on": timezone.localdate()}),
        "today": timezone.localdate()})


@roles_required(WRITE_ROLES)
def holding_create(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get_for(actor=request.user, unit_id=unit_id)
    form = HoldingForm(_post(request), member_choices=selectors.member_choices_for_unit(
        actor=request.user, unit=unit), initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = Member.objects.visible_to(request.user).filter(pk=d["member"]).first()
        try:
            if member is None:
                raise DomainError("member", "没有找到该人员。", field="member")
            services.holding_create(actor=request.user, unit=unit, member=member,
                                    post=d["post"], started_on=d["started_on"],
                                    ended_on=d["ended_on"], note=d["note"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已登记任职：{member.name}。")
            return redirect("organizations:unit_detail", unit_id=unit.pk)
    return render(request, "organizations/holding_form.html", {"form": form, "unit": unit})


@roles_required(WRITE_ROLES)
@require_POST
def holding_end(request: HttpRequest, holding_id: int) -> HttpResponse:
    holding = selectors.holding_get_for(actor=request.user, holding_id=holding_id)
    form = HoldingEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的任职终止日期。")
    else:
        try:
            services.holding_end(actor=request.user, holding=holding,
                                 ended_on=form.cleaned_data["ended_on"], request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已结束任职：{holding.member.name}"
                                      f"（{holding.get_post_display()}）。")
    return redirect("organizations:unit_detail", unit_id=holding.unit_id)


# ---------------------------------------------------------------- members

@roles_required(READ_ROLES)
def member_list(request: HttpRequest) -> HttpResponse:
    form = MemberFilterForm(request.GET or None, region_choices=_regions(request))
    filters = selectors.MemberFilter(**form.cleaned_data) if form.is_valid() else \
        selectors.MemberFilter()
    members = selectors.members_for(actor=request.user, filters=filters)
    return render(request, "organizations/member_list.html", {
        "form": form, **paginate(request, members, 50),
        "can_write": request.user.role in WRITE_ROLES})


def _user_choices(request: HttpRequest) -> list[tuple[str, str]]:
    users = User.objects.visible_to(request.user).filter(role__in=STAFF_ROLES, is_active=True)
    return [(str(u.pk), f"{u.name}（{u.username}，{u.get_role_display()}）")
            for u in users.order_by("username")]


def _member_form(request: HttpRequest, member: Member | None = None) -> MemberForm:
    initial: dict[str, Any] = {}
    if member is not None:
        initial = {f: getattr(member, f) for f in ("name", "sex", "note",
                                                   "is_disabled", "is_relative",
                                                   "is_role_model", "is_grassroots",
                                                   "is_rural", "is_volunteer")}
        initial |= {"region": member.region_id, "user": member.user_id}
    form = MemberForm(_post(request), initial=initial, region_choices=_regions(request),
                      user_choices=_user_choices(request))
    if member is not None:
        # The phone is never put in the page (issue 16 §4): shown masked, replaced when typed.
        shown = f"当前：{mask_phone(member.phone)}" if member.phone else "当前未登记"
        form.fields["phone"].help_text = f"{shown}。需要修改时填写新号码，留空则保持不变。"
    return form


@roles_required(WRITE_ROLES)
def member_create(request: HttpRequest) -> HttpResponse:
    form = _member_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_create(actor=request.user, data=form.data_object(),
                                            request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已新增人员：{member.name}。")
            return redirect("organizations:member_detail", member_id=member.pk)
    return render(request, "organizations/member_form.html", {"form": form, "title": "新增人员"})


@roles_required(WRITE_ROLES)
def member_edit(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get_for(actor=request.user, member_id=member_id)
    form = _member_form(request, member)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.data_object()
            if not data.phone:
                data = dataclasses.replace(data, phone=member.phone)
            services.member_update(actor=request.user, member=member, data=data,
                                   request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "人员信息已保存。")
            return redirect("organizations:member_detail", member_id=member.pk)
    return render(request, "organizations/member_form.html",
                  {"form": form, "title": f"修改：{member.name}", "member": member})


def _revealed_member(request: HttpRequest) -> int | None:
    """The member whose phone the POST just before revealed (shown once)."""
    revealed = request.session.pop(SESSION_KEY, None) or {}
    if revealed.get("object") == Member._meta.label_lower:
        return revealed.get("pk")
    return None


@roles_required(READ_ROLES)
def member_detail(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get_for(actor=request.user, member_id=member_id)
    revealed = _revealed_member(request) == member.pk
    return render(request, "organizations/member_detail.html", {
        "member": member, "holdings": selectors.member_holdings(member),
        "phone": member.phone if revealed else mask_phone(member.phone), "revealed": revealed,
        "can_reveal": can_reveal(request.user),
        "can_write": can_write_in(request.user, member.region_id)})


@roles_required(READ_ROLES)
@require_POST
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get_for(actor=request.user, member_id=member_id)
    try:
        services.member_reveal_phone(actor=request.user, member=member, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        reveal_remember(request, member, "phone")
    if request.POST.get("next") == "directory":
        township = request.POST.get("township", "")
        url = redirect("organizations:directory").url
        return redirect(f"{url}?township={township}#member-{member.pk}" if township
                        else f"{url}#member-{member.pk}")
    return redirect("organizations:member_detail", member_id=member.pk)


# ---------------------------------------------------------------- import and exports

@roles_required(WRITE_ROLES)
def holders_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(_post(request), request.FILES if request.method == "POST" else None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                header, rows = read_table(path, filename=upload.name)
            except ImportFileError as error:
                form.add_error("file", error.message)
            else:
                report = holdings_import(actor=request.user, header=header, rows=rows,
                                         dry_run=form.cleaned_data["mode"] == "preview",
                                         filename=upload.name, request=request)
    return render(request, "organizations/import.html", {"form": form, "report": report})


@roles_required(EXPORT_ROLES)
@require_POST
def holders_export(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.POST)
    on = form.cleaned_data["on"] if form.is_valid() else None
    run = jobs.holders_export_start(actor=request.user, on=on)
    return redirect("core:task_progress", task_id=run.pk)


# ---------------------------------------------------------------- coverage and composition

@roles_required(READ_ROLES)
def coverage(request: HttpRequest) -> HttpResponse:
    form, on = _day(request)
    result = selectors.coverage_for(actor=request.user, on=on)
    return render(request, "organizations/coverage.html", {
        "form": form, "coverage": result, "can_export": request.user.role in EXPORT_ROLES,
        "show_all": request.GET.get("show") == "all"})


@roles_required(EXPORT_ROLES)
@require_POST
def coverage_export(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.POST)
    on = form.cleaned_data["on"] if form.is_valid() and form.cleaned_data["on"] else None
    run = jobs.coverage_export_start(actor=request.user, on=on or timezone.localdate())
    return redirect("core:task_progress", task_id=run.pk)


@roles_required(COUNTY_READ_ROLES)
def composition(request: HttpRequest) -> HttpResponse:
    form, on = _day(request)
    result = selectors.composition_for(actor=request.user, on=on)
    groups = [(key, label, selectors.group_members(actor=request.user, group=key, on=on))
              for key, label in selectors.GROUP_LABELS.items()]
    return render(request, "organizations/composition.html", {
        "form": form, "composition": result, "groups": groups,
        "can_edit": request.user.role in THRESHOLD_ROLES})


@roles_required(THRESHOLD_ROLES)
def thresholds(request: HttpRequest) -> HttpResponse:
    values = selectors.thresholds_for(selectors.county_code_of(request.user))
    form = ThresholdForm(_post(request), initial={k: v[0] for k, v in values.items()})
    if request.method == "POST" and form.is_valid():
        try:
            for key in ThresholdKey.values:
                services.threshold_set(actor=request.user, key=key,
                                       value=form.cleaned_data[key], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "标准已保存。")
            return redirect("organizations:thresholds")
    return render(request, "organizations/thresholds.html", {"form": form, "values": values})


# ---------------------------------------------------------------- directory

@roles_required(READ_ROLES)
def directory(request: HttpRequest) -> HttpResponse:
    township = request.GET.get("township", "")
    entries = selectors.directory_for(actor=request.user, township=township)
    townships = [(code, label) for code, label in _regions(request)
                 if code.endswith("000") and not code.endswith("000000")]
    return render(request, "organizations/directory.html", {
        "entries": entries, "township": township, "townships": townships,
        "revealed": _revealed_member(request), "can_reveal": can_reveal(request.user)})


# ---------------------------------------------------------------- training

@roles_required(READ_ROLES)
def training_list(request: HttpRequest) -> HttpResponse:
    form, year = _year(request)
    officers = list(selectors.officers_to_train(actor=request.user, year=year))
    return render(request, "organizations/training_list.html", {
        "form": form, "year": year,
        "sessions": selectors.trainings_for(actor=request.user, year=year),
        "officers": officers, "trained": sum(o.trained for o in officers),
        "share": selectors.percent(sum(o.trained for o in officers), len(officers)),
        "can_write": request.user.role in WRITE_ROLES})


@roles_required(WRITE_ROLES)
def training_create(request: HttpRequest) -> HttpResponse:
    form = TrainingForm(_post(request), region_choices=_regions(request),
                        initial={"held_on": timezone.localdate(),
                                 "region": request.user.region_id})
    if request.method == "POST" and form.is_valid():
        try:
            session = services.training_create(actor=request.user, data=form.data_object(),
                                               request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "培训已登记，请登记参训人员。")
            return redirect("organizations:training_detail", session_id=session.pk)
    return render(request, "organizations/training_form.html", {"form": form})


def _attendance_form(request: HttpRequest, session: Any, data: Any = None) -> AttendanceForm:
    officers = selectors.officers_to_train(actor=request.user, year=session.held_on.year,
                                           on=session.held_on)
    attendees = selectors.training_attendees(session)
    choices = {str(m.pk): f"{m.name}（{m.region.name}）" for m in [*officers, *attendees]}
    return AttendanceForm(data, member_choices=sorted(choices.items(), key=lambda c: c[1]),
                          initial={"members": [str(m.pk) for m in attendees]})


@roles_required(READ_ROLES)
def training_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.training_get_for(actor=request.user, session_id=session_id)
    return render(request, "organizations/training_detail.html", {
        "session": session, "attendees": selectors.training_attendees(session),
        "form": _attendance_form(request, session),
        "can_write": can_write_in(request.user, session.region_id)})


@roles_required(WRITE_ROLES)
@require_POST
def training_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.training_get_for(actor=request.user, session_id=session_id)
    form = _attendance_form(request, session, request.POST)
    if not form.is_valid():
        messages.error(request, "参训名单有误，请重新选择。")
    else:
        try:
            added, removed = services.attendance_set(
                actor=request.user, session=session,
                member_ids=set(form.cleaned_data["members"]), request=request)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"参训名单已保存：新增 {added} 人，移除 {removed} 人。")
    return redirect("organizations:training_detail", session_id=session.pk)


# ---------------------------------------------------------------- grassroots days

@roles_required(COUNTY_READ_ROLES)
def grassroots(request: HttpRequest) -> HttpResponse:
    form, year = _year(request)
    rows = selectors.grassroots_summary(actor=request.user, year=year)
    return render(request, "organizations/grassroots.html", {
        "form": form, "year": year, "rows": rows,
        "visits": selectors.grassroots_visits_for(actor=request.user, year=year)[:100],
        "threshold": rows[0].threshold if rows else selectors.thresholds_for(
            selectors.county_code_of(request.user))[ThresholdKey.COUNCIL_GRASSROOTS_DAYS][0],
        "can_write": request.user.role in COUNTY_WRITE_ROLES})


@roles_required(COUNTY_WRITE_ROLES)
def grassroots_create(request: HttpRequest) -> HttpResponse:
    form = GrassrootsForm(_post(request),
                          member_choices=selectors.council_member_choices(actor=request.user),
                          region_choices=_regions(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = Member.objects.visible_to(request.user).filter(pk=d["member"]).first()
        try:
            if member is None:
                raise DomainError("member", "没有找到该人员。", field="member")
            services.grassroots_visit_record(
                actor=request.user, member=member, started_on=d["started_on"], days=d["days"],
                place_code=d["place"], purpose=d["purpose"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "已登记下基层记录。")
            return redirect("organizations:grassroots")
    return render(request, "organizations/grassroots_form.html", {"form": form})
