"""Security headers Django does not set by itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

# All assets are served by the project itself (no CDN: DESIGN.md "Pages").
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages with personal data must not linger in shared browsers' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


# Pages a signed-in user may still open before the pending step is done.
_PENDING_STEP_OPEN = ("core:password_change", "core:logout", "core:keepalive", "core:health",
                      "core:preferences")


class PendingSignInStepMiddleware:
    """A new account, or one whose password an administrator reset, must choose its own
    password before anything else (issue #17 §6: the administrator never knows a working
    password). Every other page leads to the password form; the API answers 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.must_change_password:
            return self.get_response(request)
        if self._open is None:
            self._open = {reverse(name) for name in _PENDING_STEP_OPEN}
        if request.path in self._open or request.path.startswith(settings.STATIC_URL):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "请先在网页上修改初始密码。"}, status=403)
        messages.warning(request, "这是您首次登录或密码已被管理员重置，请先设置自己的新密码。")
        return redirect("core:password_change")


class AuditRequestMiddleware:
    """Every audit row written while answering a request records the client's IP address, also
    when the service writing it was not handed the request (canlian.core.audit.client_ip)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from canlian.core.audit import request_context

        with request_context(request):
            return self.get_response(request)
