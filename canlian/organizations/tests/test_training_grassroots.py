"""Training and contact (seed 000: township 理事长 and liaison officers trained every year;
seed 004 二(三)4: executive-council members at the grassroots ≥ 30 days a year)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from canlian.core.errors import DomainError
from canlian.core.models import User
from canlian.organizations import services
from canlian.organizations.models import Post, UnitKind
from canlian.organizations.selectors import grassroots_summary, officers_to_train
from canlian.organizations.tests.factories import make_holding, make_member, make_unit


def test_officers_to_train_and_who_attended(personas: dict[str, User],
                                            regions: dict[str, str], client: Client) -> None:
    federation = make_unit(region_code=regions["township_a"], kind=UnitKind.TOWNSHIP_FEDERATION)
    village = make_unit(region_code=regions["village_a"])
    head, liaison, officer = (make_member(region_code=regions["village_a"], name=n)
                              for n in ("理事长甲", "专职乙", "村专职丙"))
    chair = make_member(region_code=regions["village_a"], name="村主席丁")
    make_holding(unit=federation, member=head, post=Post.EXECUTIVE_CHAIR)
    make_holding(unit=federation, member=liaison, post=Post.LIAISON_OFFICER)
    make_holding(unit=village, member=officer, post=Post.LIAISON_OFFICER)
    make_holding(unit=village, member=chair, post=Post.CHAIR)  # not in the yearly training
    actor = personas["township_staff"]
    session = services.training_create(actor=actor, data=services.TrainingData(
        title="2025年专职委员培训", region_code=regions["township_a"], held_on=date(2025, 4, 1)))
    services.attendance_set(actor=actor, session=session, member_ids={head.pk, officer.pk})
    officers = {m.name: m.trained for m in officers_to_train(actor=actor, year=2025,
                                                              on=date(2025, 4, 1))}
    assert officers == {"理事长甲": True, "专职乙": False, "村专职丙": True}
    assert not {m.trained for m in officers_to_train(actor=actor, year=2024,
                                                     on=date(2025, 4, 1))} - {False}
    client.force_login(actor)
    page = client.get(reverse("organizations:training_list"), {"year": 2025})
    assert page.context["trained"] == 2 and page.context["share"] == Decimal("66.7")
    response = client.post(reverse("organizations:training_attendance", args=[session.pk]),
                           {"members": [str(liaison.pk)]})
    assert response.status_code == 302
    assert set(session.attendances.values_list("member_id", flat=True)) == {liaison.pk}


def test_grassroots_days_summed_against_30(personas: dict[str, User],
                                           regions: dict[str, str]) -> None:
    council = make_unit(region_code=regions["county"], kind=UnitKind.EXECUTIVE_COUNCIL)
    busy, idle = (make_member(region_code=regions["county"], name=n) for n in ("甲", "乙"))
    make_holding(unit=council, member=busy, post=Post.EXECUTIVE_CHAIR)
    make_holding(unit=council, member=idle, post=Post.VICE_EXECUTIVE_CHAIR)
    actor = personas["county_staff"]
    for days, on in ((Decimal(20), date(2025, 3, 1)), (Decimal("10.5"), date(2025, 9, 1)),
                     (Decimal(40), date(2024, 5, 1))):
        services.grassroots_visit_record(actor=actor, member=busy, started_on=on, days=days,
                                         place_code=regions["village_a"], purpose="走访")
    services.grassroots_visit_record(actor=actor, member=idle, started_on=date(2025, 6, 1),
                                     days=Decimal(29), place_code=regions["village_b"],
                                     purpose="调研")
    rows = {r.member.name: (r.days, r.passed) for r in grassroots_summary(actor=actor, year=2025)}
    assert rows == {"甲": (Decimal("30.5"), True), "乙": (Decimal(29), False)}
    outsider = make_member(region_code=regions["county"], name="丙")
    with pytest.raises(DomainError) as caught:
        services.grassroots_visit_record(actor=actor, member=outsider, started_on=date(2025, 1, 1),
                                         days=Decimal(1), place_code=regions["village_a"],
                                         purpose="走访")
    assert caught.value.code == "not_council"
