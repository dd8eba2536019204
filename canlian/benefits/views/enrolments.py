"""Applications and enrolments: register, review step by step, stop, and the 公示 list."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from canlian.benefits import accounts, enrolments, selectors
from canlian.benefits.amounts import amount_for
from canlian.benefits.forms import (
    AccountForm,
    EnrolmentFilterForm,
    EnrolmentForm,
    NoticeForm,
    ReviewForm,
    StopForm,
)
from canlian.benefits.models import Enrolment, EnrolmentStatus, PaymentAccount
from canlian.benefits.months import this_month
from canlian.benefits.notice import NOTICE_DAYS, notice_pdf, notice_rows, notice_title, notice_xlsx
from canlian.benefits.permissions import (
    APPLY_ROLES,
    VIEW_ROLES,
    can_manage_enrolment,
    review_refusal,
)
from canlian.benefits.rules import facts_for
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.reveal import reveal_remember, reveal_take
from canlian.core.views.paging import paginate


@roles_required(VIEW_ROLES)
def enrolment_list(request: HttpRequest) -> HttpResponse:
    form = EnrolmentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.enrolments_for(actor=request.user, status=filters.get("status", ""),
                                     policy=filters.get("policy", ""),
                                     step=filters.get("step", ""))
    return render(request, "benefits/enrolment_list.html", {
        **paginate(request, items, 50), "form": form})


@roles_required(APPLY_ROLES)
def enrolment_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get_for(actor=request.user, person_id=person_id)
    initial = {"policy": request.GET.get("policy", "")}
    form = EnrolmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = enrolments.enrolment_apply(
                actor=request.user, person=person,
                policy=selectors.policy_get(actor=request.user, code=data["policy"]),
                applied_month=data["applied_month"], for_ward=data["for_ward"],
                note=data["note"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"已登记 {person.name} 的{enrolment.policy.name}申请。")
            return redirect("benefits:enrolment_detail", enrolment_id=enrolment.pk)
    return render(request, "benefits/enrolment_form.html", {"person": person, "form": form})


@roles_required(VIEW_ROLES)
def enrolment_detail(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_get_for(actor=request.user, enrolment_id=enrolment_id)
    review = ReviewForm(initial={"version": enrolment.version})
    manage = StopForm(initial={"version": enrolment.version})
    account = accounts.account_for(enrolment.person)
    account_form = AccountForm(initial=_account_initial(account))
    if request.method == "POST":
        if "decision" in request.POST:
            review = ReviewForm(request.POST)
            done = review.is_valid() and _review(request, enrolment, review)
        elif "reveal_account" in request.POST:
            done = _reveal_account(request, enrolment)
        elif "bank" in request.POST:
            account_form = AccountForm(request.POST)
            done = account_form.is_valid() and _save_account(request, enrolment, account_form)
        else:
            manage = StopForm(request.POST)
            done = manage.is_valid() and _manage(request, enrolment, manage)
        if done:
            if done is not REVEALED:
                messages.success(request, "已办理。")
            return redirect("benefits:enrolment_detail", enrolment_id=enrolment.pk)
    month = this_month()
    refusal = review_refusal(request.user, enrolment) if enrolment.next_step else None
    revealed = reveal_take(request, enrolment) == "account_number"
    return render(request, "benefits/enrolment_detail.html", {
        "enrolment": enrolment, "steps": enrolment.steps.all(),
        "review": review, "manage": manage,
        "can_review": bool(enrolment.next_step) and refusal is None,
        # The reviewer's role, but not this account: say why instead of offering the form.
        "separation": refusal[1] if refusal and refusal[0] == "separation_of_duties" else "",
        "can_manage": can_manage_enrolment(request.user)
        and enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED),
        "amount": amount_for(enrolment.policy, facts_for(enrolment.person, month), month),
        "month": month, "account": account, "account_form": account_form,
        "account_masked": accounts.mask_account_number(account.account_number)
        if account else "",
        "account_full": account.account_number if account and revealed else "",
        "can_edit_account": accounts.can_edit_accounts(request.user),
    })


REVEALED = object()


def _account_initial(account: PaymentAccount | None) -> dict[str, str]:
    if account is None:
        return {}
    # The number is never put back into the page: a new one is typed to change it.
    return {"bank": account.bank, "holder_relation": account.holder_relation,
            "holder": account.holder}


def _save_account(request: HttpRequest, enrolment: Enrolment, form: AccountForm) -> bool:
    try:
        accounts.payment_account_save(actor=request.user, person=enrolment.person,
                                      **form.cleaned_data)
    except DomainError as error:
        _show(request, form, error)
        return False
    return True


def _reveal_account(request: HttpRequest, enrolment: Enrolment) -> object:
    try:
        accounts.payment_account_reveal(actor=request.user, person=enrolment.person)
    except DomainError as error:
        messages.error(request, error.message)
        return True
    reveal_remember(request, enrolment, "account_number")
    return REVEALED


def _review(request: HttpRequest, enrolment: Enrolment, form: ReviewForm) -> bool:
    try:
        enrolments.enrolment_review(actor=request.user, enrolment=enrolment,
                                    expected_version=form.cleaned_data["version"],
                                    approve=form.cleaned_data["decision"] == "approve",
                                    note=form.cleaned_data["note"])
    except DomainError as error:
        _show(request, form, error)
        return False
    return True


def _show(request: HttpRequest, form: ReviewForm | StopForm | AccountForm,
          error: DomainError) -> None:
    """A field's error goes on the form; a refusal of the whole action is a page message."""
    if error.field in form.fields:
        form.add_domain_error(error)
    else:
        messages.error(request, error.message)


def _manage(request: HttpRequest, enrolment: Enrolment, form: StopForm) -> bool:
    data = form.cleaned_data
    common = {"actor": request.user, "enrolment": enrolment,
              "expected_version": data["version"]}
    try:
        if data["action"] == "stop":
            if data["effective_month"] is None:
                raise DomainError("month_required", "停发须填写生效月份。",
                                  field="effective_month")
            enrolments.enrolment_stop(**common, reason=data["reason"],
                                      effective_month=data["effective_month"])
        elif data["action"] == "suspend":
            enrolments.enrolment_suspend(**common, reason=data["reason"])
        else:
            enrolments.enrolment_resume(**common, note=data["reason"])
    except DomainError as error:
        _show(request, form, error)
        return False
    return True


def _notice_month(request: HttpRequest) -> tuple[NoticeForm, date]:
    form = NoticeForm((request.POST if request.method == "POST" else request.GET) or None)
    month = form.cleaned_data["month"] if form.is_valid() and form.cleaned_data["month"] \
        else this_month()
    return form, month


@roles_required(VIEW_ROLES)
def notice(request: HttpRequest) -> HttpResponse:
    """公示 (DOMAIN.md §3.2: protect privacy): the whole list, page by page, with its total."""
    form, month = _notice_month(request)
    context = paginate(request, selectors.notice_for(actor=request.user, month=month), 50)
    page = context["page"]
    rows = notice_rows(list(page), month, first=page.start_index() or 1)
    return render(request, "benefits/notice.html", {
        **context, "rows": rows, "month": month, "form": form, "title": notice_title(month),
        "days": NOTICE_DAYS})


@roles_required(VIEW_ROLES)
@require_POST
def notice_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The posting files; an export is an action (POST), audited once per request."""
    if fmt not in ("pdf", "xlsx"):
        raise Http404
    _form, month = _notice_month(request)
    if fmt == "pdf":
        content, kind = notice_pdf(actor=request.user, month=month), "application/pdf"
    else:
        content = notice_xlsx(actor=request.user, month=month)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(content, content_type=kind)
    name = quote(f"公示名单_{month:%Y%m}.{'pdf' if fmt == 'pdf' else 'xlsx'}")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
