"""Account management by the 系统管理员, unlocking by the 安全管理员."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from canlian.core import otp, selectors, services
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.forms import (
    OtpResetForm,
    PasswordResetForm,
    RejectForm,
    UserFilterForm,
    UserForm,
)
from canlian.core.idnumbers import mask_id_number, mask_phone
from canlian.core.models import AccountRequestKind, ApiTokenStatus, Region
from canlian.core.permissions import (
    can_decide_account_request,
    can_reveal_user_identifiers,
    needs_account_request,
)
from canlian.core.reveal import reveal_remember, reveal_take
from canlian.core.roles import Role
from canlian.core.views.paging import paginate

PAGE_SIZE = 50


@roles_required(Role.COUNTY_ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.users_for(actor=request.user, query=filters.get("q", ""),
                                role=filters.get("role", ""))
    return render(request, "core/user_list.html",
                  {"form": form, **paginate(request, users, PAGE_SIZE)})


def _region(request: HttpRequest, code: str) -> Region:
    return selectors.regions_for(actor=request.user).get(code=code)


@roles_required(Role.COUNTY_ADMIN)
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST if request.method == "POST" else None,
                    region_choices=selectors.region_choices_for(actor=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if needs_account_request(data["role"]):  # another administrator approves
                services.account_request_submit(
                    actor=request.user, kind=AccountRequestKind.CREATE,
                    region=_region(request, data["region"]), username=data["username"],
                    name=data["name"], role=data["role"], password=data["password"],
                    phone=data["phone"], id_number=data["id_number"], request=request)
            else:
                user = services.user_create(
                    actor=request.user, username=data["username"], name=data["name"],
                    role=data["role"], region=_region(request, data["region"]),
                    password=data["password"], phone=data["phone"],
                    id_number=data["id_number"], request=request,
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if needs_account_request(data["role"]):
                messages.success(request, f"新建账户 {data['username']} 的申请已提交，"
                                          f"经安全管理员或审计管理员批准后生效。")
                return redirect("core:account_request_list")
            messages.success(request, f"账户 {user.username} 已创建，首次登录时须修改密码。")
            return redirect("core:user_detail", user_id=user.pk)
    return render(request, "core/user_form.html", {"form": form, "title": "新建账户"})


@roles_required(Role.COUNTY_ADMIN)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    # A value revealed by the POST just before is shown once; a reload shows it masked again.
    field = reveal_take(request, target)
    return render(request, "core/user_detail.html", {
        "target": target,
        "masked_phone": target.phone if field == "phone" else mask_phone(target.phone),
        "masked_id_number": (target.id_number if field == "id_number"
                             else mask_id_number(target.id_number)),
        "revealed": field,
        "can_reveal": can_reveal_user_identifiers(request.user, target),
    })


@roles_required(Role.COUNTY_ADMIN)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    initial = {"username": target.username, "name": target.name, "role": target.role,
               "region": target.region_id, "is_active": target.is_active}
    data = request.POST if request.method == "POST" else None
    form = UserForm(data, initial=initial, editing=True,
                    region_choices=selectors.region_choices_for(actor=request.user))
    # Identifiers are never put in the page (issue 16 §4): shown masked, replaced when typed.
    for name, value, mask in (("phone", target.phone, mask_phone),
                              ("id_number", target.id_number, mask_id_number)):
        shown = f"当前：{mask(value)}" if value else "当前未登记"
        form.fields[name].help_text = f"{shown}。需要修改时填写新的号码，留空则保持不变。"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        needs_approval = needs_account_request(data["role"], target)
        try:
            if needs_approval:  # 三员分立: another administrator approves
                services.account_request_submit(
                    actor=request.user, kind=AccountRequestKind.UPDATE, target=target,
                    region=_region(request, data["region"]), name=data["name"],
                    role=data["role"], is_active=data["is_active"], request=request)
            else:
                services.user_update(
                    actor=request.user, user=target, name=data["name"], role=data["role"],
                    region=_region(request, data["region"]), is_active=data["is_active"],
                    phone=data["phone"] or target.phone,
                    id_number=data["id_number"] or target.id_number, request=request,
                )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if needs_approval:
                messages.success(request, "修改申请已提交，经安全管理员或审计管理员批准后生效。")
                return redirect("core:account_request_list")
            messages.success(request, "账户已保存。")
            return redirect("core:user_detail", user_id=target.pk)
    return render(request, "core/user_form.html",
                  {"form": form, "title": f"修改账户：{target.username}", "target": target})


@roles_required(Role.COUNTY_ADMIN)
@sensitive_post_parameters()
def user_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if needs_account_request(target.role):
                services.account_request_submit(
                    actor=request.user, kind=AccountRequestKind.RESET_PASSWORD, target=target,
                    region=target.region, password=form.cleaned_data["password"],
                    request=request)
            else:
                services.user_reset_password(actor=request.user, user=target,
                                             password=form.cleaned_data["password"],
                                             request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if needs_account_request(target.role):
                messages.success(request, "重置密码的申请已提交，"
                                          "经安全管理员或审计管理员批准后生效。")
                return redirect("core:account_request_list")
            messages.success(request,
                             f"账户 {target.username} 的密码已重置，下次登录时须修改。")
            return redirect("core:user_detail", user_id=target.pk)
    return render(request, "core/user_form.html",
                  {"form": form, "title": f"重置密码：{target.username}", "target": target})


ACCOUNT_REQUEST_ROLES = (Role.COUNTY_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR)


@roles_required(ACCOUNT_REQUEST_ROLES)
def account_request_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.account_requests_for(actor=request.user), PAGE_SIZE)
    rows = [(r, can_decide_account_request(request.user, r)) for r in page["page"]]
    return render(request, "core/account_requests.html",
                  {"rows": rows, "reject_form": RejectForm(), **page})


@roles_required(Role.SECURITY_ADMIN, Role.AUDITOR)
@require_POST
def account_request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    account_request = selectors.account_request_get_for(actor=request.user,
                                                        request_id=request_id)
    try:
        user = services.account_request_approve(actor=request.user,
                                                account_request=account_request,
                                                request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已批准，账户 {user.username} 的变更已生效。")
    return redirect("core:account_request_list")


@roles_required(Role.SECURITY_ADMIN, Role.AUDITOR)
@require_POST
def account_request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    account_request = selectors.account_request_get_for(actor=request.user,
                                                        request_id=request_id)
    form = RejectForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError("reason", "请填写驳回理由。")
        services.account_request_reject(actor=request.user, account_request=account_request,
                                        reason=form.cleaned_data["reason"], request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已驳回该申请。")
    return redirect("core:account_request_list")


@roles_required(Role.COUNTY_ADMIN)
@require_POST
def user_reveal(request: HttpRequest, user_id: int, field: str) -> HttpResponse:
    """Audit the reveal, then show it on the detail page (POST-redirect-GET: a reload of the
    page neither re-submits nor writes a second audit row)."""
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    try:
        services.user_reveal_identifier(actor=request.user, user=target, field=field,
                                        request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        reveal_remember(request, target, field)
    return redirect("core:user_detail", user_id=target.pk)


@roles_required(Role.SECURITY_ADMIN)
def security(request: HttpRequest) -> HttpResponse:
    locked = selectors.locked_users_for(actor=request.user)
    page = paginate(request, selectors.api_tokens_for(actor=request.user), PAGE_SIZE)
    now = timezone.now()
    tokens = [(t, t.status(now)) for t in page["page"]]
    return render(request, "core/security.html",
                  {"locked": locked, "tokens": tokens, "valid": ApiTokenStatus.VALID,
                   "otp_form": OtpResetForm(), **page})


@roles_required(Role.SECURITY_ADMIN)
@require_POST
def otp_reset(request: HttpRequest) -> HttpResponse:
    """Reset a lost second factor, the account named by username (inside the jurisdiction)."""
    form = OtpResetForm(request.POST)
    target = (selectors.users_for(actor=request.user)
              .filter(username=form.data.get("username", "").strip()).first())
    if target is None:
        messages.error(request, "管辖范围内没有该用户名的账户。")
        return redirect("core:security")
    try:
        removed = otp.otp_reset(actor=request.user, user=target, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"账户 {target.username} 的动态验证码已重置，下次登录时重新绑定。"
                         if removed else f"账户 {target.username} 没有绑定动态验证码，未作改动。")
    return redirect("core:security")


@roles_required(Role.SECURITY_ADMIN)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for(actor=request.user, token_id=token_id)
    try:
        revoked = services.api_token_revoke(actor=request.user, token=token, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"接口令牌 {token.prefix}… 已吊销。" if revoked
                         else f"接口令牌 {token.prefix}… 此前已吊销，未作改动。")
    return redirect("core:security")


@roles_required(Role.SECURITY_ADMIN)
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    target = selectors.user_get_for(actor=request.user, user_id=user_id)
    try:
        services.user_unlock(actor=request.user, user=target, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"账户 {target.username} 已解锁。")
    return redirect("core:security")


@roles_required(Role.COUNTY_ADMIN)
def region_list(request: HttpRequest) -> HttpResponse:
    regions = selectors.regions_for(actor=request.user).select_related("parent")
    return render(request, "core/region_list.html", {"regions": regions})
