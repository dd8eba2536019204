"""The visits and cases JSON API (issue #7 item 7): the same rules as the pages — refusals
come back as 403 (role), 404 (outside), 409 (order, stale version), 422 (bad input)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client

from canlian.cases.models import Case, CaseStatus, VisitNeed
from canlian.cases.tests.helpers import disabled, federations
from canlian.core.models import User

pytestmark = pytest.mark.django_db


def test_a_visit_with_needs_is_recorded_and_a_need_converted_through_the_api(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    person = disabled(regions["village_a"])
    client = login(personas["village_liaison"])
    body = {"person_id": person.pk, "visited_on": date.today().isoformat(), "mode": "phone",
            "people_met": "本人", "living_arrangement": "alone",
            "needs": [{"kind": "employment", "description": "想找工作"}]}
    created = client.post("/api/v1/visits", body, content_type="application/json")
    assert created.status_code == 201
    visit = created.json()
    assert visit["purpose"] == "follow_up" and visit["needs"][0]["kind"] == "employment"
    future = {**body, "visited_on": (date.today() + timedelta(days=1)).isoformat()}
    refused = client.post("/api/v1/visits", future, content_type="application/json")
    assert refused.status_code == 422 and "晚于今天" in refused.json()["detail"]
    need_id = visit["needs"][0]["id"]
    converted = client.post(f"/api/v1/visits/needs/{need_id}/convert", {"outcome": "case"},
                            content_type="application/json").json()
    assert converted["need"]["outcome"] == "case" and converted["case_id"]
    again = client.post(f"/api/v1/visits/needs/{need_id}/convert", {"outcome": "demand"},
                        content_type="application/json")
    assert again.status_code == 409
    assert VisitNeed.objects.get().case_id == converted["case_id"]
    due = client.get("/api/v1/visits/due").json()
    assert due["summary"]["done"] == 1 and due["count"] == 0
    other = login(personas["liaison_b"]).post("/api/v1/visits", body,
                                              content_type="application/json")
    assert other.status_code == 404


def test_case_transitions_through_the_api(personas: dict[str, User], regions: dict[str, str],
                                          login: Callable[[User], Client]) -> None:
    federations(regions["county"], regions["township_a"])
    liaison = login(personas["village_liaison"])
    created = liaison.post("/api/v1/cases", {
        "source": "hotline", "category": "subsidy", "title": "补贴未到账",
        "description": "护理补贴三个月未到账", "region_code": regions["village_a"],
        "contact_phone": "13900001111"}, content_type="application/json")
    assert created.status_code == 201
    case_id = created.json()["id"]
    url = f"/api/v1/cases/{case_id}/transitions"
    assert liaison.post(url, {"action": "accept", "version": 1},
                        content_type="application/json").status_code == 403
    staff = login(personas["township_staff"])
    out_of_order = staff.post(url, {"action": "conclude", "version": 1, "reply": "x"},
                              content_type="application/json")
    assert out_of_order.status_code == 409 and "登记" in out_of_order.json()["detail"]
    accepted = staff.post(url, {"action": "accept", "version": 1},
                          content_type="application/json").json()
    assert accepted["status"] == "accepted" and accepted["version"] == 2
    stale = staff.post(url, {"action": "start", "version": 1}, content_type="application/json")
    assert stale.status_code == 409
    staff.post(url, {"action": "start", "version": 2}, content_type="application/json")
    no_reply = staff.post(url, {"action": "conclude", "version": 3, "reply": ""},
                          content_type="application/json")
    assert no_reply.status_code == 422
    staff.post(url, {"action": "conclude", "version": 3, "reply": "已补发"},
               content_type="application/json")
    rated = login(personas["village_liaison"]).post(
        url, {"action": "rate", "version": 4, "satisfaction": "basically"},
        content_type="application/json").json()
    assert rated["status"] == CaseStatus.CONFIRMED
    assert [e["action"] for e in rated["events"]] == ["register", "accept", "start", "conclude",
                                                      "rate"]
    assert login(personas["leader"]).get(f"/api/v1/cases/{case_id}").status_code == 200
    assert Case.objects.get().satisfaction == "basically"
