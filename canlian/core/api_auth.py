"""Authentication and role checks for the JSON API, shared by every app's router."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.core.services import api_token_authenticate

F = TypeVar("F", bound=Callable[..., Any])


class BearerToken(HttpBearer):
    """`Authorization: Bearer cl_…` with a token from `manage.py issue_token USERNAME`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), SessionAuth()]
# Largest id a BIGINT column holds: larger path ids are a 422, never a database overflow.
MAX_ID = 2**63 - 1


def api_roles(*roles: str | Iterable[str]) -> Callable[[F], F]:
    """Like `roles_required` for views: records the roles (for the matrix test) and checks them."""
    allowed: set[str] = set()
    for role in roles:
        allowed.update([role] if isinstance(role, str) else role)

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.auth.role not in allowed:  # type: ignore[attr-defined]
                raise HttpError(403, "您的角色无权访问此接口。")
            return func(request, *args, **kwargs)

        wrapper.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def refusal(error: DomainError, statuses: Mapping[str, int]) -> HttpError:
    """A service's refusal as the HTTP error its code maps to in `statuses` (each router
    declares its own: 403 wrong role, 404 outside jurisdiction, 409 conflicts …), else 422;
    the Chinese message as it is."""
    return HttpError(statuses.get(error.code, 422), error.message)
