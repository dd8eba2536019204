"""不相容岗位分离 in case closure (DESIGN.md "Data"; issue 16 item 3): the officer who concluded
a case (办结) does not confirm its closure — the return visit that closes it (回访评价) and the
销号 of a petition are done by another account. Refused by the service, not offered on the page
(a forged POST changes nothing), 403 from the API; the person themself still rates their case."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from canlian.cases import services
from canlian.cases.models import Case, CaseSource, CaseStatus
from canlian.cases.tests.helpers import federations, on
from canlian.core.errors import DomainError
from canlian.core.models import User


def _concluded(actor: User, region: str, source: str = CaseSource.HELP) -> Case:
    case = services.case_register(actor=actor, source=source, category="device",
                                  title="需要轮椅", description="出行困难，需要一辆轮椅。",
                                  region_code=region)
    services.case_accept(actor=actor, case=case)
    services.case_start(actor=actor, case=case)
    services.case_conclude(actor=actor, case=case, reply="已适配轮椅一辆。")
    return case


def test_who_concluded_a_case_cannot_close_it_by_rating(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    federations(regions["county"], regions["township_a"])
    staff = personas["township_staff"]
    with on(date(2026, 3, 2)):
        case = _concluded(staff, regions["village_a"])
    version = case.version
    with pytest.raises(DomainError) as refused:
        services.case_rate(actor=staff, case=case, satisfaction="satisfied")
    assert refused.value.code == "separation_of_duties"
    client.force_login(staff)
    detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "回访与销号须由他人进行" in detail
    assert reverse("cases:case_action", args=[case.pk, "rate"]) not in detail
    page = client.post(reverse("cases:case_action", args=[case.pk, "rate"]),
                       {"version": version, "satisfaction": "satisfied"}, follow=True)
    assert "不相容岗位分离" in page.content.decode()
    api = client.post(f"/api/v1/cases/{case.pk}/transitions",
                      {"action": "rate", "version": version, "satisfaction": "satisfied"},
                      content_type="application/json")
    assert api.status_code == 403 and "不相容岗位分离" in api.json()["detail"]
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.CONCLUDED, version)
    # another account (the village liaison officer on the return visit) closes it
    services.case_rate(actor=personas["village_liaison"], case=case, satisfaction="satisfied")
    assert case.status == CaseStatus.CONFIRMED and case.closed_by == personas["village_liaison"]


def test_who_concluded_a_petition_cannot_confirm_its_closure(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    federations(regions["county"], regions["township_a"])
    county = personas["county_staff"]
    with on(date(2026, 6, 1)):
        case = _concluded(county, regions["village_a"], source=CaseSource.PETITION)
    with on(date(2026, 7, 2)):  # no 复查 asked within 30 days: the petition may be 销号
        with pytest.raises(DomainError) as refused:
            services.case_confirm(actor=county, case=case)
        assert refused.value.code == "separation_of_duties"
        client.force_login(county)
        detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
        assert reverse("cases:case_action", args=[case.pk, "confirm"]) not in detail
        client.force_login(personas["county_staff_2"])
        detail = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
        assert reverse("cases:case_action", args=[case.pk, "confirm"]) in detail
        services.case_confirm(actor=personas["county_staff_2"], case=case)
    assert case.status == CaseStatus.CONFIRMED and case.closed_by == personas["county_staff_2"]
