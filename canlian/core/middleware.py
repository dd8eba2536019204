"""Request middleware: security headers, the pending sign-in step, the audit request context and
the idle session refresh."""

from __future__ import annotations

import time
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


# The idle timeout slides with use (DOMAIN.md §7.1), but refreshing the session is a database
# write: doing it on every request made every page view, and every poll of a task's progress,
# a write that could hold SQLite's lock against a running task (issue 16 §1). So the session is
# refreshed at most once a minute, and never by a poll (a page marks its polls with
# `session_passive`): watching a progress bar is not activity, as the idle timeout means it.
SESSION_TOUCHED_KEY = "_touched"
SESSION_REFRESH_SECONDS = 60


def mark_passive(request: HttpRequest) -> None:
    """This request is a poll: it must not extend or write the session."""
    request.session_passive = True  # type: ignore[attr-defined]


def session_touch(request: HttpRequest) -> None:
    """Extend the session now (the "继续使用" button)."""
    request.session[SESSION_TOUCHED_KEY] = int(time.time())


class SessionIdleMiddleware:
    """Sliding idle expiry with at most one session write a minute (place after
    SessionMiddleware, with SESSION_SAVE_EVERY_REQUEST off)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (session is None or session.session_key is None
                or getattr(request, "session_passive", False) or session.is_empty()):
            return response
        now = int(time.time())
        if now - int(session.get(SESSION_TOUCHED_KEY, 0)) >= SESSION_REFRESH_SECONDS:
            session[SESSION_TOUCHED_KEY] = now  # marks it modified: saved with a new expiry
        return response
