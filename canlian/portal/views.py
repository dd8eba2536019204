"""The resident portal (我的办事): apply online for self or a ward, upload photos and
documents, follow each step with its date, read notices. Pages are phone-first and keyboard
usable; every form names the field at fault in its error summary."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from canlian.cases import selectors as case_selectors
from canlian.cases import services as case_services
from canlian.cases.forms import NoteForm, PortalCaseForm, RateForm
from canlian.cases.forms import uploads as case_uploads
from canlian.cases.views import cases as case_views
from canlian.certificates import selectors as cert_selectors
from canlian.certificates import services as cert_services
from canlian.certificates.models import ApplicationType, Channel, DocumentKind
from canlian.certificates.views import document_response
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.roles import PORTAL_ROLES, Role
from canlian.portal import selectors
from canlian.portal.forms import ApplyForm, ApplyStartForm, DocumentForm, WardForm
from canlian.registry import guardians


@roles_required(PORTAL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    applications = list(cert_selectors.applications_for(actor=request.user)[:50])
    notices = cert_selectors.notices_for(actor=request.user)
    return render(request, "portal/home.html", {
        "applications": applications, "unread": notices.filter(read_at__isnull=True).count(),
        "latest": list(notices[:3]), "can_apply": request.user.role == Role.RESIDENT,
        "linked": bool(request.user.id_number_index),
        "wards": guardians.wards_of(request.user) if request.user.role == Role.RESIDENT else [],
    })


@roles_required(Role.RESIDENT)
def apply(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET, no scripts needed): what to do and for whom. Step 2: only that type's
    questions, for the chosen person; the choice travels in hidden fields."""
    people = {a.key: a for a in selectors.applicants(request.user)}
    choices = [(a.key, a.label) for a in people.values()]
    source = request.POST if request.method == "POST" else request.GET
    start = ApplyStartForm(source if "type" in source else None, applicants=choices)
    context: dict[str, Any] = {"start": start, "has_people": bool(choices)}
    if not start.is_valid() or "change" in request.GET:
        return render(request, "portal/apply.html", context)
    kind = start.cleaned_data["type"]
    who = people[start.cleaned_data["applicant"]]
    form = ApplyForm(request.POST if request.method == "POST" else None, type=kind,
                     regions=selectors.village_choices(request.user),
                     initial={"region": who.region_code, "phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            application = cert_services.application_submit(
                actor=request.user, type=kind, channel=Channel.ONLINE, name=who.name,
                id_number=who.id_number, region_code=form.value("region"),
                phone=form.value("phone"), applicant_relation=who.relation,
                declared_category=form.value("declared_category"),
                renewal_reason=form.value("renewal_reason"),
                cancel_reason=form.value("cancel_reason"), destination=form.value("destination"),
                previous_certificate_number=form.value("previous_certificate_number"),
                note=form.value("note"), in_person=False, request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"申请已提交，受理编号 {application.reference}。"
                                      "请上传照片和材料，办理进度会通知您。")
            return redirect("portal:application_detail", application_id=application.pk)
    return render(request, "portal/apply.html", {
        **context, "form": form, "hidden": start.as_hidden_fields(),
        "type_label": ApplicationType(kind).label, "who": who})


@roles_required(Role.RESIDENT)
def wards(request: HttpRequest) -> HttpResponse:
    """我的被监护人: ask to act for a ward; staff verify the guardianship before it is usable.
    Every request gets the same answer, whoever the ID number belongs to."""
    form = WardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guardians.guardian_link_request(actor=request.user, name=data["name"],
                                            id_number=data["id_number"],
                                            relation=data["relation"], request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, guardians.REQUESTED_MESSAGE)
            return redirect("portal:wards")
    return render(request, "portal/wards.html", {
        "form": form, "links": list(guardians.links_of(request.user))})


@roles_required(Role.RESIDENT)
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = cert_selectors.application_get_for(actor=request.user,
                                                     application_id=application_id)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > cert_services.MAX_UPLOAD_BYTES:
                raise DomainError("file", "文件超过 5 MB，请压缩后再上传。", field="file")
            cert_services.document_upload(actor=request.user, application=application,
                                          kind=form.cleaned_data["kind"], name=upload.name,
                                          content=upload.read(), request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "材料已上传。")
            return redirect("portal:application_detail", application_id=application.pk)
    return render(request, "portal/application_detail.html", {
        "a": application, "timeline": cert_selectors.application_timeline(application),
        "documents": cert_selectors.documents_of(application), "form": form,
        "missing": [DocumentKind(k).label for k in application.materials_missing],
        "has_assessment": application.assessments.exists(),
    })


@roles_required(Role.RESIDENT)
def document_download(request: HttpRequest, application_id: int,
                      document_id: int) -> HttpResponse:
    document = cert_selectors.document_get_for(actor=request.user,
                                               application_id=application_id,
                                               document_id=document_id)
    return document_response(request, document)


@roles_required(PORTAL_ROLES)
def notices(request: HttpRequest) -> HttpResponse:
    rows = list(cert_selectors.notices_for(actor=request.user)[:100])
    unread = [n.pk for n in rows if n.read_at is None]
    response = render(request, "portal/notices.html", {"notices": rows, "unread": set(unread)})
    cert_services.notices_mark_read(actor=request.user, notice_ids=unread)
    return response


# ------------------------------------------------------------------ 求助与建议 (issue #7 item 4)


def _case_about_choices(request: HttpRequest) -> list[tuple[str, str]]:
    own = selectors.own_person(request.user)
    choices = [(f"member-{own.pk}", f"本人（{request.user.name}）")] if own else []
    for person in selectors.household_persons(request.user):
        if own is None or person.pk != own.pk:
            choices.append((f"member-{person.pk}", f"家庭成员：{person.name}"))
    for link in guardians.wards_of(request.user):
        if link.person_id and f"member-{link.person_id}" not in dict(choices):
            choices.append((f"member-{link.person_id}", f"被监护人：{link.name}"))
    choices.append(("none", "不针对某个人（如对残联工作的建议）" if choices else "我自己"))
    return choices


@roles_required(Role.RESIDENT)
def request_list(request: HttpRequest) -> HttpResponse:
    cases = list(case_selectors.resident_cases(actor=request.user)[:50])
    return render(request, "portal/request_list.html", {"cases": cases})


@roles_required(Role.RESIDENT)
def request_create(request: HttpRequest) -> HttpResponse:
    abouts = _case_about_choices(request)
    form = PortalCaseForm(request.POST if request.method == "POST" else None,
                          request.FILES or None, abouts=abouts,
                          regions=selectors.village_choices(request.user),
                          initial={"about": abouts[0][0], "source": "help",
                                   "region": request.user.region_id,
                                   "contact_phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        members = {f"member-{p.pk}": p for p in selectors.persons_of(request.user)}
        try:
            case = case_services.case_register(
                actor=request.user, source=data["source"], category=data["category"],
                title=data["title"], description=data["description"],
                region_code=data["region"], person=members.get(data["about"]),
                contact_name=request.user.name, contact_phone=data["contact_phone"],
                attachments=case_uploads(data["attachments"]), request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已提交，编号 {case.reference}。"
                                      "受理和办理结果会通知您，也可以在这里查看。")
            return redirect("portal:request_detail", case_id=case.pk)
    return render(request, "portal/request_form.html", {"form": form})


@roles_required(Role.RESIDENT)
def request_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_selectors.case_get_for(actor=request.user, case_id=case_id)
    actions = dict(case_views.available_actions(request.user, case))
    rate_form = RateForm(request.POST if request.POST.get("form") == "rate" else None,
                         initial={"version": case.version})
    review_form = NoteForm(request.POST if request.POST.get("form") == "review" else None,
                           initial={"version": case.version}, prefix="review")
    form = rate_form if request.POST.get("form") == "rate" else review_form
    if request.method == "POST" and form.is_valid():
        action = "rate" if form is rate_form else "review"
        try:
            case_views.run_action(action, request, case, form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "感谢您的评价。" if action == "rate" else
                             "已提交申请，上一级机关将在 30 日内书面答复。")
        return redirect("portal:request_detail", case_id=case.pk)
    events = [e for e in case_selectors.case_events(case)
              if e.action not in ("remind", "escalate", "assign", "attach")]
    return render(request, "portal/request_detail.html", {
        "case": case, "events": events, "attachments": case_selectors.case_attachments(case),
        "rate_form": rate_form if "rate" in actions else None,
        "review_form": review_form if "review" in actions else None,
        "review_label": actions.get("review", ""),
    })


@roles_required(Role.RESIDENT)
def request_attachment(request: HttpRequest, case_id: int, attachment_id: int) -> HttpResponse:
    attachment = case_selectors.attachment_get_for(actor=request.user, case_id=case_id,
                                                   attachment_id=attachment_id)
    return case_views.attachment_response(request, attachment)
