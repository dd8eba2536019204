"""Who may open which page: one decorator that every view declares.

`@roles_required(...)` (or `@public_view`) records the allowed roles on the view itself, so the
jurisdiction-matrix test can enumerate every URL and check it without a hand-kept list: a new
view without a declaration fails that test. Objects are fetched through a queryset already
scoped with `visible_to(user)`, so anything outside the user's jurisdiction is a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from canlian.core.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])
M = TypeVar("M", bound=Model)


def roles_required(*roles: str | Iterable[str]) -> Callable[[View], View]:
    """Allow only signed-in users of these roles; others get 403, anonymous users the login page."""
    allowed: set[str] = set()
    for role in roles:
        allowed.update([role] if isinstance(role, str) else role)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in allowed:
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def public_view(view: View) -> View:
    """Mark a page that anyone may open (login page, health check)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


def get_visible_or_404(queryset: QuerySet[M], user: User, **lookup: Any) -> M:
    """The object if inside the user's jurisdiction, else 404 (never 403: no existence leak)."""
    return get_object_or_404(queryset.visible_to(user), **lookup)  # type: ignore[attr-defined]
