"""The JSON API: the same selectors, services, scoping and masking as the pages."""

from __future__ import annotations

from django.test import Client

from canlian.core.models import User
from canlian.organizations.models import Post, UnitKind
from canlian.organizations.tests.factories import make_holding, make_member, make_unit


def test_units_holders_and_creating_a_holder(personas: dict[str, User],
                                             regions: dict[str, str], client: Client) -> None:
    unit = make_unit(region_code=regions["village_a"], name="楚蔬社区残疾人协会")
    make_unit(region_code=regions["village_b"], name="外乡残协")
    chair = make_member(region_code=regions["village_a"], name="甲", phone="13912345678")
    other = make_member(region_code=regions["village_a"], name="乙")
    make_holding(unit=unit, member=chair, post=Post.CHAIR)
    client.force_login(personas["township_staff"])
    units = client.get("/api/v1/organizations/units").json()
    assert [u["name"] for u in units["items"]] == ["楚蔬社区残疾人协会"]
    detail = client.get(f"/api/v1/organizations/units/{unit.pk}").json()
    assert detail["holders"][0]["phone_masked"] == "139****5678"
    assert "13912345678" not in str(detail)
    clash = client.post("/api/v1/organizations/holders", {
        "unit_id": unit.pk, "member_id": other.pk, "post": "chair",
        "started_on": "2025-01-01"}, content_type="application/json")
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["field"] == "started_on"
    made = client.post("/api/v1/organizations/holders", {
        "unit_id": unit.pk, "member_id": other.pk, "post": "liaison_officer",
        "started_on": "2025-01-01"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["post_label"] == "专职委员"
    listed = client.get("/api/v1/organizations/holders", {"post": "liaison_officer"}).json()
    assert listed["count"] == 1


def test_coverage_and_composition(personas: dict[str, User], regions: dict[str, str],
                                  client: Client) -> None:
    make_unit(region_code=regions["township_a"], kind=UnitKind.TOWNSHIP_FEDERATION)
    client.force_login(personas["township_staff"])
    coverage = client.get("/api/v1/organizations/coverage").json()
    assert (coverage["required"], coverage["fulfilled"]) == (8, 0)
    assert coverage["townships"][0]["missing"] == ["缺理事长", "缺专职委员"]
    assert client.get("/api/v1/organizations/composition").status_code == 403
    client.force_login(personas["leader"])
    rules = client.get("/api/v1/organizations/composition").json()["rules"]
    assert [r["threshold"] for r in rules] == ["65", "60", "65", "35", "15"]
