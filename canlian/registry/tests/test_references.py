"""Issue 17 §1: township staff must not reach another township's household through 户主身份证号.
The general rule is the jurisdiction matrix's "reference by identifier" axis
(canlian/tests/test_jurisdiction_matrix.py); these are the probe's own steps."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from canlian.core.models import User
from canlian.registry.models import Household, Person
from canlian.registry.tests.factories import make_id_number, make_person
from canlian.registry.upsert import HEAD_NOT_FOUND


def test_head_in_another_township_is_refused_like_an_unknown_number(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    songkan_head = make_person(region_code=regions["village_b"], name="松坎户主")
    client.force_login(personas["township_staff"])  # 楚米镇
    answers = []
    for head in (songkan_head.id_number, make_id_number()):
        response = client.post("/api/v1/persons", {
            "name": "楚米新人", "id_number": make_id_number(), "region_code": regions["village_a"],
            "head_id_number": head, "relation_to_head": "子女"},
            content_type="application/json")
        answers.append((response.status_code, response.json()["errors"]))
    assert answers[0] == answers[1] == (
        422, [{"field": "head_id_number", "message": HEAD_NOT_FOUND}])
    assert Person.objects.filter(household=songkan_head.household).count() == 1
    assert client.get(f"/api/v1/households/{songkan_head.household_id}").status_code == 404


def test_household_spanning_townships_shows_each_side_only_its_own_members(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """A household whose members are registered in two townships (one moved): the 360° page
    and the household API list only the members the reader may see."""
    head = make_person(region_code=regions["village_b"], name="松坎户主")
    household = Household.objects.get(head=head)
    member = make_person(region_code=regions["village_a"], name="楚米成员", household=household,
                         relation_to_head="子女")
    client.force_login(personas["township_staff"])
    page = client.get(reverse("registry:person_detail", args=[member.pk]))
    assert [m.name for m in page.context["members"]] == ["楚米成员"]
    assert "松坎户主" not in page.content.decode()
    body = client.get(f"/api/v1/households/{household.pk}").json()
    assert [m["name"] for m in body["members"]] == ["楚米成员"] and body["head_id"] is None
    client.force_login(personas["county_staff"])
    body = client.get(f"/api/v1/households/{household.pk}").json()
    assert {m["name"] for m in body["members"]} == {"松坎户主", "楚米成员"}
    assert body["head_id"] == head.pk
