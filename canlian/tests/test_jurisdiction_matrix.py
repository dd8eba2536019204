"""The jurisdiction matrix (issue #2): every page and API endpoint × every role.

For each URL the project serves, the declared roles (`@roles_required` / `@api_roles`) are read
from the view itself, so a new endpoint joins this matrix without editing it. Expectations:
- a role not declared gets 403 (wrong role);
- a declared role gets a success (2xx/3xx) on an object inside its jurisdiction,
- and 404 on the same kind of object outside it (never 403: no existence leak).
Views whose URL takes parameters need a sample below saying what "inside" and "outside" are
for a given persona; a parametrised URL without one fails `test_every_endpoint_is_declared`.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from canlian.api import api
from canlian.core.menu import MODULES, modules_for
from canlian.core.models import TaskRun, User
from canlian.core.roles import ALL_ROLES

ROLES = sorted(ALL_ROLES)
Kwargs = dict[str, Any]
# (persona, all personas) → (kwargs inside jurisdiction, kwargs outside or None)
Sample = Callable[[User, dict[str, User]], tuple[Kwargs, Kwargs | None]]


def _user_in_township(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    return {"user_id": p["village_liaison"].pk}, {"user_id": p["other_county_admin"].pk}


def _own_task(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    mine = TaskRun.objects.create(created_by=actor, kind="t", title="t")
    someone_else = p["other_county_admin"] if actor != p["other_county_admin"] else p["leader"]
    theirs = TaskRun.objects.create(created_by=someone_else, kind="t", title="t")
    return {"task_id": mine.pk}, {"task_id": theirs.pk}


def _own_finished_task(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _own_task(actor, p)
    from django.conf import settings

    path = settings.MEDIA_ROOT / "x.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    TaskRun.objects.filter(pk__in=[inside["task_id"], outside["task_id"]]).update(
        result_file=str(path), status="succeeded")
    return inside, outside


def _token_in_township(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.core.models import ApiToken

    def token(user: User) -> int:
        return ApiToken.objects.create(user=user, prefix=uuid.uuid4().hex[:8], secret_hash="x").pk

    return {"token_id": token(p["village_liaison"])}, {"token_id": token(p["other_county_admin"])}


def _module(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    mine = {m.key for m in modules_for(actor.role)}
    others = [m.key for m in MODULES if m.key not in mine]
    return {"key": sorted(mine)[0]}, ({"key": others[0]} if others else None)


SAMPLES: dict[str, Sample] = {
    "core:user_detail": _user_in_township,
    "core:user_edit": _user_in_township,
    "core:user_reveal": lambda a, p: (
        {**_user_in_township(a, p)[0], "field": "phone"},
        {**_user_in_township(a, p)[1], "field": "phone"},  # type: ignore[dict-item]
    ),
    "core:user_unlock": _user_in_township,
    "core:token_revoke": _token_in_township,
    "core:task_progress": _own_task,
    "core:task_download": _own_finished_task,
    "core:module": _module,
    "api:user_detail": _user_in_township,
    "api:task_run": _own_task,
}
# Each app keeps its own samples next to its tests (tests/matrix_samples.py, and
# tests/page_samples.py where pages and API are written apart), each defining SAMPLES.
for _app in apps.get_app_configs():
    for _name in ("matrix_samples", "page_samples"):
        if _app.name.startswith("canlian."):
            try:
                _module_ = importlib.import_module(f"{_app.name}.tests.{_name}")
            except ModuleNotFoundError:
                continue
            SAMPLES.update(_module_.SAMPLES)


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def html_endpoints() -> list[tuple[str, Any]]:
    return [(name, p.callback) for name, p in _walk(get_resolver().url_patterns)
            if not name.startswith("api:")]


def api_endpoints() -> list[tuple[str, str, str, Any]]:
    """(url name, path, method, operation function) for every API operation."""
    found = []
    for entry in api._routers:
        router = entry[1]
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    name = operation.view_func.__name__
                    found.append((f"api:{name}", path, method, operation.view_func))
    return found


def test_every_endpoint_is_declared() -> None:
    """A page or endpoint without a role declaration, or a parametrised one without a sample
    of inside/outside, would escape the matrix: fail instead."""
    undeclared = [name for name, view in html_endpoints() if not hasattr(view, "allowed_roles")]
    undeclared += [name for name, _, _, f in api_endpoints() if not hasattr(f, "allowed_roles")]
    assert undeclared == []
    parametrised = [name for name, p in _walk(get_resolver().url_patterns)
                    if p.pattern.converters and not name.startswith("api:")]
    parametrised += [name for name, path, _, _ in api_endpoints() if "{" in path]
    assert sorted(set(parametrised) - set(SAMPLES)) == []


def _request(client: Client, url: str, method: str = "get") -> int:
    response = getattr(client, method)(url)
    if response.status_code == 405 and method == "get":
        response = client.post(url)
    return response.status_code


def _judge(name: str, role: str, allowed: frozenset[str], fetch: Callable[[Kwargs], int],
           inside: Kwargs, outside: Kwargs | None) -> list[str]:
    """The matrix rule for one endpoint and one role; returns what went wrong."""
    status = fetch(inside)
    if role not in allowed:
        return [] if status == 403 else [f"{name}: wrong role {role} got {status}, expected 403"]
    problems = [] if 200 <= status < 400 else [f"{name}: {role} inside got {status}"]
    if outside is not None and (status := fetch(outside)) != 404:
        problems.append(f"{name}: {role} outside got {status}, expected 404")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role_and_jurisdiction(role: str, personas: dict[str, User],
                                        client: Client) -> None:
    actor = personas[role]
    failures = []
    for name, view in html_endpoints():
        if view.allowed_roles is None:
            continue  # public pages (login, health) are tested on their own
        client.force_login(actor)  # a page such as logout may have ended the session
        sample = SAMPLES.get(name)
        inside, outside = sample(actor, personas) if sample else ({}, None)
        failures += _judge(name, role, view.allowed_roles,
                           lambda kw, n=name: _request(client, reverse(n, kwargs=kw)),
                           inside, outside)
    assert failures == []


def _api_url(path: str, kwargs: Kwargs) -> str:
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)


def _api_call(client: Client, method: str, path: str, kwargs: Kwargs) -> int:
    """Call an operation; a sample's `_body` is sent as the JSON payload."""
    body = kwargs.get("_body")
    call = getattr(client, method.lower())
    if body is None:
        return call(_api_url(path, kwargs)).status_code
    return call(_api_url(path, kwargs), data=body, content_type="application/json").status_code


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role_and_jurisdiction(role: str, personas: dict[str, User],
                                      client: Client) -> None:
    actor = personas[role]
    client.force_login(actor)
    failures = []
    for name, path, method, func in api_endpoints():
        sample = SAMPLES.get(name)
        inside, outside = sample(actor, personas) if sample else ({}, None)
        failures += _judge(
            name, role, func.allowed_roles,
            lambda kw, p=path, m=method: _api_call(client, m, p, kw),
            inside, outside)
    assert failures == []


def test_anonymous_is_sent_to_login_and_api_says_401(personas: dict[str, User],
                                                      client: Client) -> None:
    for name, view in html_endpoints():
        if view.allowed_roles is None:
            continue
        sample = SAMPLES.get(name)
        inside = sample(personas["county_admin"], personas)[0] if sample else {}
        response = client.get(reverse(name, kwargs=inside))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("core:login")), name
    for name, path, method, _ in api_endpoints():
        sample = SAMPLES.get(name)
        inside = sample(personas["county_admin"], personas)[0] if sample else {}
        assert _api_call(client, method, path, inside) == 401, name


def test_unknown_task_id_is_404_not_500(personas: dict[str, User], client: Client) -> None:
    client.force_login(personas["leader"])
    assert client.get(reverse("core:task_progress", args=[uuid.uuid4()])).status_code == 404
