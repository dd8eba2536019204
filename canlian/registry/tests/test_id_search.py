"""Issue 17 §9: a search by ID or certificate number never puts the number in a URL — not
the form's request, not a redirect, not the page's links (pagination, export, clearing) — and
the API takes it in a request body. Name searches stay in the URL."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from canlian.core.crypto import blind_index
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import User
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person


def _urls(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def test_id_number_search_never_puts_the_number_in_a_url(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    target = make_person(region_code=regions["village_a"], name="查找对象", category=4, grade=2)
    cert = build_certificate_number(id_number=target.id_number, category=4, grade=2)
    Person.objects.filter(pk=target.pk).update(certificate_index=blind_index(cert))
    client.force_login(personas["county_staff"])
    # 11 or more digits in a row (a partial number, a phone number) count as an identifier.
    for number in (target.id_number, cert, f" {target.id_number[:6]} {target.id_number[6:]} ",
                   target.id_number[:14]):
        response = client.post(reverse("registry:person_list"), {"q": number, "region": ""},
                               follow=True)
        hops = [url for url, _ in response.redirect_chain]
        assert hops and all(number.strip()[:17] not in url.replace(" ", "") for url in hops)
        expected = [] if len(number) == 14 else ["查找对象"]
        assert [p.name for p in response.context["page"]] == expected
        assert all(target.id_number not in url for url in _urls(response.content.decode()))
        # Pagination links are built from this query string: the token, not the number.
        query = response.context["query"]
        assert "qs=" in query and target.id_number[:11] not in query
        # A reload (or the next page) finds the search again by its token.
        again = client.get(hops[-1])
        assert [p.name for p in again.context["page"]] == expected
    # A number typed into the address bar is moved out of it at once.
    typed = client.get(reverse("registry:person_list"), {"q": target.id_number})
    assert typed.status_code == 302 and target.id_number not in typed.url


def test_name_search_stays_bookmarkable(personas: dict[str, User], regions: dict[str, str],
                                        client: Client) -> None:
    make_person(region_code=regions["village_a"], name="张三", category=4, grade=2)
    client.force_login(personas["county_staff"])
    response = client.post(reverse("registry:person_list"), {"q": "张三"})
    assert response.status_code == 302 and "q=" in response.url
    assert [p.name for p in client.get(response.url).context["page"]] == ["张三"]


def test_api_refuses_a_number_in_the_url_and_takes_it_in_the_body(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    target = make_person(region_code=regions["village_a"], name="接口查找", category=4, grade=2)
    client.force_login(personas["county_staff"])
    refused = client.get("/api/v1/persons", {"q": target.id_number})
    assert refused.status_code == 422 and "POST /api/v1/persons/search" in refused.json()["detail"]
    found = client.post("/api/v1/persons/search", {"q": target.id_number},
                        content_type="application/json")
    assert found.status_code == 200
    assert [p["name"] for p in found.json()["items"]] == ["接口查找"]
    assert client.get("/api/v1/persons", {"q": "jkcz"}).json()["count"] == 1
