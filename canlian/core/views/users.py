"""Account management by the 系统管理员, unlocking by the 安全管理员."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from canlian.core import selectors, services
from canlian.core.access import roles_required
from canlian.core.errors import DomainError
from canlian.core.forms import UserFilterForm, UserForm
from canlian.core.idnumbers import mask_id_number, mask_phone
from canlian.core.models import ApiTokenStatus, Region
from canlian.core.permissions import can_reveal_user_identifiers
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
            user = services.user_create(
                actor=request.user, username=data["username"], name=data["name"],
                role=data["role"], region=_region(request, data["region"]),
                password=data["password"], phone=data["phone"], id_number=data["id_number"],
                request=request,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"账户 {user.username} 已创建。")
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
               "region": target.region_id, "phone": target.phone,
               "id_number": target.id_number, "is_active": target.is_active}
    data = request.POST if request.method == "POST" else None
    form = UserForm(data, initial=initial, editing=True,
                    region_choices=selectors.region_choices_for(actor=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                actor=request.user, user=target, name=data["name"], role=data["role"],
                region=_region(request, data["region"]), is_active=data["is_active"],
                phone=data["phone"], id_number=data["id_number"], request=request,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "账户已保存。")
            return redirect("core:user_detail", user_id=target.pk)
    return render(request, "core/user_form.html",
                  {"form": form, "title": f"修改账户：{target.username}", "target": target})


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
                  {"locked": locked, "tokens": tokens, "valid": ApiTokenStatus.VALID, **page})


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
