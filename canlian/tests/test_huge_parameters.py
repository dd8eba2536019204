"""A huge integer in any query parameter of any list page is a bad filter, never a 500
(issue 17 §10: `/crosscheck/findings/?dataset=9999999999999999999999999` raised OverflowError)."""

from __future__ import annotations

import inspect
import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from canlian.core.models import User
from canlian.tests.test_jurisdiction_matrix import _walk, html_endpoints

HUGE = "9999999999999999999999999"
# Who looks at each page: the first role in this order the page allows.
ROLE_ORDER = ("county_staff", "township_staff", "county_admin", "security_admin", "auditor",
              "leader", "assessor", "village_liaison", "resident", "volunteer")
_READS = re.compile(r"""request\.GET(?:\.get|\.getlist)?[(\[]\s*["'](\w+)["']""")
_GET_FORM = re.compile(r'<form\b[^>]*\bmethod="get"[^>]*>(.*?)</form>', re.S | re.I)
_NAME = re.compile(r'\bname="([^"]+)"')


def _list_pages() -> list[str]:
    from django.urls import get_resolver

    plain = {name for name, p in _walk(get_resolver().url_patterns) if not p.pattern.converters}
    return sorted(name for name, view in html_endpoints()
                  if name in plain and view.allowed_roles)


@pytest.mark.django_db
def test_huge_integer_in_any_query_parameter_is_never_a_server_error(
        personas: dict[str, User], client: Client) -> None:
    client.raise_request_exception = False
    failures = []
    for name in _list_pages():
        view = dict(html_endpoints())[name]
        role = next((r for r in ROLE_ORDER if r in view.allowed_roles), None)
        if role is None:
            continue
        client.force_login(personas[role])
        url = reverse(name)
        page = client.get(url)
        if (page.status_code != 200 or page.streaming
                or not page["Content-Type"].startswith("text/html")):
            continue  # a file (e.g. the import template) has no filters to probe
        html = page.content.decode()
        # The page's own filter fields, and what its module reads from the query string
        # (parameters that come in links from other pages).
        fields = {n for form in _GET_FORM.findall(html) for n in _NAME.findall(form)}
        fields |= set(_READS.findall(inspect.getsource(inspect.getmodule(view))))
        for field in sorted(fields | {"page"}):
            status = client.get(url, {field: HUGE}).status_code
            if status >= 500:
                failures.append(f"{url}?{field}=<huge> → {status}")
    assert failures == []


@pytest.mark.django_db
def test_huge_id_in_any_url_is_not_found_never_a_server_error(
        personas: dict[str, User], client: Client) -> None:
    """Every `<id:…>` segment is at most 18 digits (core.params.IdConverter): a longer number
    does not match the route, so it is 404 like any id that does not exist."""
    from django.urls import get_resolver

    client.raise_request_exception = False
    client.force_login(personas["county_staff"])
    failures = []
    for name, pattern in _walk(get_resolver().url_patterns):
        converters = pattern.pattern.converters
        if not converters or name.startswith("api:"):
            continue
        assert all(type(c).__name__ != "IntConverter" for c in converters.values()), (
            f"{name}: use <id:…>, not <int:…>")
        samples = {key: 700_000_000 + n for n, key in enumerate(converters)}
        try:
            url = reverse(name, kwargs=samples)
        except NoReverseMatch:  # a route with str or uuid segments too: not ours to fuzz
            continue
        for key, sample in samples.items():
            status = client.get(url.replace(str(sample), HUGE)).status_code
            if status >= 500:
                failures.append(f"{name} {key}=<huge> → {status}")
    assert failures == []
