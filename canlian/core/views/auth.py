"""Sign-in, sign-out, password change and display preferences."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from canlian.core import otp, services
from canlian.core.access import public_view, roles_required
from canlian.core.context_processors import PREF_COOKIE
from canlian.core.errors import DomainError
from canlian.core.forms import LoginForm, OtpForm, PasswordChangeForm
from canlian.core.models import User
from canlian.core.roles import ALL_ROLES


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


@public_view
@sensitive_post_parameters("password")
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = LoginForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.login_attempt(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            otp=form.cleaned_data["otp"].strip(),
        )
        if result.user is not None:
            _keep_display_choice(request, result.user)
            return redirect(_safe_next(request) or "core:home")
        if result.pending:
            target = "core:login_otp" if result.pending == "verify" else "core:otp_enrol"
            next_url = _safe_next(request)
            return redirect(reverse(target) + (f"?{urlencode({'next': next_url})}"
                                               if next_url else ""))
        form.add_error(None, result.error)
    return render(request, "core/login.html", {"form": form, "next": _safe_next(request)})


@public_view
def login_otp(request: HttpRequest) -> HttpResponse:
    """The second step of a sign-in: the authenticator's code (or a recovery code)."""
    if services.login_pending(request) is None:
        messages.info(request, "请先输入用户名和密码。")
        return redirect("core:login")
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.login_second_factor(request=request,
                                              code=form.cleaned_data["code"].strip())
        if result.user is not None:
            _keep_display_choice(request, result.user)
            return redirect(_safe_next(request) or "core:home")
        form.add_error(None, result.error)
    return render(request, "core/login_otp.html", {"form": form, "next": _safe_next(request)})


@public_view
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Bind a phone authenticator: at a sign-in that requires it (系统管理员, 安全管理员,
    审计管理员), or by choice for a signed-in account. The QR code is inline SVG and the
    secret is also shown as text, for those who cannot scan."""
    pending = None if request.user.is_authenticated else services.login_pending(request)
    user = request.user if request.user.is_authenticated else (pending[0] if pending else None)
    if user is None or (pending is not None and pending[1] != "enrol"):
        return redirect("core:login")
    if otp.otp_enrolled(user):
        return render(request, "core/otp_enrol.html", {"enrolled": True})
    device = otp.otp_device_start(user=user)
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        try:
            if pending is not None:
                codes = services.login_enrol_confirm(request=request, code=code)
            else:
                codes = otp.otp_confirm(user=user, code=code, request=request)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return render(request, "core/otp_recovery_codes.html",
                          {"codes": codes, "next": _safe_next(request) or reverse("core:home")})
    return render(request, "core/otp_enrol.html", {
        "form": form, "qr": otp.otp_qr_svg(device), "secret": otp.otp_secret_text(device),
        "required": otp.otp_required(user), "pending": pending is not None,
        "next": _safe_next(request),
    })


def _keep_display_choice(request: HttpRequest, user: User) -> None:
    """A mode chosen on the sign-in page (kept in a cookie) carries over to the account."""
    flags = request.COOKIES.get(PREF_COOKIE)
    if flags is not None:
        services.user_set_preferences(
            user=user, large_text="L" in flags, high_contrast="C" in flags
        )


@public_view
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.logout_user(request=request)
    messages.info(request, "您已安全退出。")
    return redirect("core:login")


@roles_required(ALL_ROLES)
@sensitive_post_parameters()
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_change_password(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, "密码已修改。")
            return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


@public_view
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Large-text and high-contrast modes: stored on the account and in a browser cookie."""
    large_text = request.POST.get("large_text") == "1"
    high_contrast = request.POST.get("high_contrast") == "1"
    target = _safe_next(request) or "core:home"
    response = redirect(target)
    if request.user.is_authenticated:
        services.user_set_preferences(
            user=request.user, large_text=large_text, high_contrast=high_contrast
        )
    # The browser remembers its latest choice too, so the sign-in page keeps the mode.
    flags = ("L" if large_text else "") + ("C" if high_contrast else "")
    response.set_cookie(PREF_COOKIE, flags, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True)
    return response
