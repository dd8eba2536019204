"""What every page's shell needs: the user's menu and display preferences."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from canlian.core.menu import modules_for

PREF_COOKIE = "canlian_prefs"


def display_preferences(request: HttpRequest) -> tuple[bool, bool]:
    """(large_text, high_contrast): the user's stored choice, or the cookie before sign-in."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.large_text, user.high_contrast
    flags = request.COOKIES.get(PREF_COOKIE, "")
    return "L" in flags, "C" in flags


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    large_text, high_contrast = display_preferences(request)
    return {
        "menu": modules_for(user.role) if user is not None and user.is_authenticated else [],
        "large_text": large_text,
        "high_contrast": high_contrast,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
