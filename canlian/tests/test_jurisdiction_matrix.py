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


def _account_request(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.core.models import AccountRequest

    def pending(admin: User) -> int:
        return AccountRequest.objects.create(
            kind="create", region=admin.region, requested_by=admin,
            data={"username": f"n{uuid.uuid4().hex[:8]}", "name": "新", "role": "auditor",
                  "region_id": admin.region_id, "is_active": True}).pk

    return ({"request_id": pending(p["county_admin"])},
            {"request_id": pending(p["other_county_admin"])})


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
    "core:user_password_reset": _user_in_township,
    "core:account_request_approve": _account_request,
    "core:account_request_reject": _account_request,
    "core:task_progress": _own_task,
    "core:task_download": _own_finished_task,
    "core:task_retry": _own_task,
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


# ---------------------------------------------------------------- reference by identifier
# Issue 17 §1: a write that names another person by ID number (户主, 监护人, …) through a page,
# the API or an import must treat a person registered outside the actor's jurisdiction exactly
# as an unknown number: the same answer (no existence leak), and nothing outside the
# jurisdiction changed, linked or shown. Each app lists its references in
# tests/matrix_samples.py as REFERENCES: {name: (roles, write)}, where write(client, actor,
# personas, id_number) makes the write and returns (succeeded, what the caller was told).

Reference = tuple[frozenset[str], Callable[[Client, User, dict[str, User], str],
                                           tuple[bool, str]]]
REFERENCES: dict[str, Reference] = {}
for _app in apps.get_app_configs():
    if _app.name.startswith("canlian."):
        try:
            REFERENCES.update(importlib.import_module(f"{_app.name}.tests.matrix_samples")
                              .REFERENCES)
        except (ModuleNotFoundError, AttributeError):
            continue


def _referencing_fields() -> set[str]:
    """Every API body field and page form field that names another person by ID number."""
    from django import forms as django_forms

    found = set()
    for entry in api._routers:
        for path_view in entry[1].path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    for field in _schema_fields(model):
                        if field.endswith("_id_number"):
                            found.add(f"api:{operation.view_func.__name__} {field}")
    for app in apps.get_app_configs():
        if not app.name.startswith("canlian."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(module).values():
            if isinstance(form, type) and issubclass(form, django_forms.BaseForm):
                for field in form.base_fields:
                    if field.endswith("_id_number"):
                        found.add(f"{app.label}.{form.__name__} {field}")
    return found


def _schema_fields(model: Any) -> list[str]:
    fields = []
    for name, info in model.model_fields.items():
        inner = info.annotation
        if isinstance(inner, type) and hasattr(inner, "model_fields"):
            fields += _schema_fields(inner)
        else:
            fields.append(name)
    return fields


# Page forms → the page that writes them (a form can serve several pages).
FORM_PAGES = {
    "registry.PersonForm head_id_number": ["registry:person_create 户主身份证号",
                                           "registry:person_edit 户主身份证号"],
    "registry.PersonForm guardian_id_number": ["registry:person_create 监护人身份证号"],
}


def test_every_reference_by_identifier_is_in_the_matrix() -> None:
    """A new API field or form field naming another person by ID number fails here until its
    write is listed in REFERENCES (and so tested below)."""
    missing = []
    for found in sorted(_referencing_fields()):
        names = FORM_PAGES.get(found, [found])
        missing += [name for name in names if name not in REFERENCES]
    assert missing == []


def _outside_region(actor: User, p: dict[str, User]) -> str:
    """A village just outside the actor's jurisdiction: the next village for a village
    officer, the other township for township staff, another county for county staff."""
    from canlian.core.models import Region

    if actor.region.level == "village":
        return (Region.objects.filter(parent_id=actor.region.parent_id, level="village")
                .exclude(code=actor.region_id).order_by("code").values_list("code", flat=True)
                .first())  # type: ignore[return-value]
    if actor.region.level == "township":
        return p["liaison_b"].region_id
    return "610921100000"  # 汉阴县城关镇 (the shipped regions hold no villages there)


def _outside_state(actor: User) -> list[Any]:
    """Everything of the registry outside the actor's jurisdiction, as stored."""
    from canlian.registry.models import Household, HouseholdStatus, Person

    prefix = actor.region.prefix
    return [list(Person.objects.exclude(region__code__startswith=prefix).order_by("pk").values()),
            list(Household.objects.exclude(region__code__startswith=prefix).order_by("pk")
                 .values()),
            list(HouseholdStatus.objects.exclude(household__region__code__startswith=prefix)
                 .order_by("pk").values())]


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_reference_by_identifier_outside_is_answered_as_unknown(
        name: str, personas: dict[str, User], client: Client) -> None:
    from canlian.registry.tests.factories import make_id_number, make_person

    roles, write = REFERENCES[name]
    failures = []
    for role in sorted(roles):
        actor = personas[role]
        client.force_login(actor)
        inside_region = (actor.region_id if actor.region.level == "village"
                         else personas["village_liaison"].region_id)
        inside = make_person(region_code=inside_region, name="辖区户主")
        outside = make_person(region_code=_outside_region(actor, personas), name="外区户主")
        before = _outside_state(actor)
        ok_inside, told_inside = write(client, actor, personas, inside.id_number)
        ok_outside, told_outside = write(client, actor, personas, outside.id_number)
        ok_unknown, told_unknown = write(client, actor, personas, make_id_number())
        if not ok_inside:
            failures.append(f"{role}: inside refused: {told_inside}")
        if (ok_outside, told_outside) != (ok_unknown, told_unknown):
            failures.append(f"{role}: outside answered {ok_outside} {told_outside!r}, "
                            f"unknown {ok_unknown} {told_unknown!r}")
        if _outside_state(actor) != before:
            failures.append(f"{role}: a record outside the jurisdiction changed")
    assert failures == []
