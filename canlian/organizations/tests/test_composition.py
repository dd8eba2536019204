"""Composition rules of 濮阳县残联改革方案 (seed 004), on crafted data with hand-computed shares:

congress (二(一)1): 20 delegates today. Disabled or relatives: 10 flagged disabled + 2 relatives
  + 1 linked to a registry person with a category = 13 → 65.0 % ≥ 65 → 达标 (the boundary).
  自强模范 or 基层一线: 6 role models + 5 grassroots = 11 → 55.0 % < 60 → 未达标.
  A former delegate (term ended) who is disabled is not counted; a delegate holding two terms
  in two congresses is counted once. Rural 4 → 20.0 % (reference only).
presidium (二(一)2): 6 members: 4 disabled or relatives → 66.7 % 达标; 2 role models → 33.3 % <
  35 → 未达标.
staff (二(二)2): 7 cadres in staff posts, 1 disabled → 14.3 % < 15 → 未达标; the county's
  elected 主席 (not a staff post) is not counted. With the threshold set to 14 → 达标.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from canlian.core.models import AuditAction, AuditEvent, User
from canlian.organizations import services
from canlian.organizations.models import Post, ThresholdKey, UnitKind
from canlian.organizations.selectors import composition_for
from canlian.organizations.tests.factories import (
    make_holding,
    make_member,
    make_registry_person,
    make_unit,
)

K = ThresholdKey


@pytest.fixture
def county_bodies(regions: dict[str, str]) -> None:
    county, village = regions["county"], regions["village_a"]
    congress = make_unit(region_code=county, kind=UnitKind.CONGRESS, name="第六次代表大会")
    earlier = make_unit(region_code=county, kind=UnitKind.CONGRESS, name="第五次代表大会")
    flags: list[dict[str, Any]] = (
        [{"is_disabled": True, "is_role_model": True}] * 6 + [{"is_disabled": True}] * 4
        + [{"is_relative": True, "is_grassroots": True}] * 2
        + [{"is_grassroots": True, "is_rural": True}] * 3 + [{"is_rural": True}] * 1 + [{}] * 3)
    delegates = [make_member(region_code=village, name=f"代表{i}", **f)
                 for i, f in enumerate(flags)]
    linked = make_member(region_code=village, name="库内代表",
                         person=make_registry_person(region_code=village, category=1, grade=2))
    for member in [*delegates, linked]:
        make_holding(unit=congress, member=member, post=Post.DELEGATE)
    assert len(delegates) + 1 == 20
    make_holding(unit=earlier, member=delegates[0], post=Post.DELEGATE,
                 started_on=date(2019, 1, 1))  # two terms, counted once
    former = make_member(region_code=village, name="往届", is_disabled=True)
    make_holding(unit=earlier, member=former, post=Post.DELEGATE, started_on=date(2019, 1, 1),
                 ended_on=date(2023, 12, 31))

    presidium = make_unit(region_code=county, kind=UnitKind.PRESIDIUM, name="主席团")
    for f in ([{"is_disabled": True, "is_role_model": True}] * 2 + [{"is_relative": True}] * 2
              + [{}] * 2):
        make_holding(unit=presidium, member=make_member(region_code=county, **f),
                     post=Post.COMMITTEE_MEMBER)

    federation = make_unit(region_code=county, kind=UnitKind.COUNTY_FEDERATION, name="县残联")
    department = make_unit(region_code=county, kind=UnitKind.DEPARTMENT, name="组联部",
                           parent=federation)
    make_holding(unit=federation, member=make_member(region_code=county, is_disabled=True),
                 post=Post.EXECUTIVE_CHAIR)
    make_holding(unit=federation, member=make_member(region_code=county, is_disabled=True),
                 post=Post.CHAIR)  # elected, not staff
    for _ in range(6):
        make_holding(unit=department, member=make_member(region_code=county), post=Post.STAFF)
    other_county = make_unit(region_code=regions["other_county"], kind=UnitKind.CONGRESS)
    make_holding(unit=other_county, member=make_member(region_code="610921100000"),
                 post=Post.DELEGATE)


def _shares(actor: User) -> dict[str, tuple[int, int, Decimal | None, bool | None]]:
    result = composition_for(actor=actor)
    return {r.key: (r.count, r.total, r.share, r.passed) for r in result.rules}


def test_each_rule_share_and_verdict(personas: dict[str, User], county_bodies: None,
                                     django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(3):  # county, thresholds, one aggregate over members
        result = composition_for(actor=personas["county_staff"])
    shares = {r.key: (r.count, r.total, r.share, r.passed) for r in result.rules}
    assert shares == {
        K.CONGRESS_DISABLED_OR_RELATIVE: (13, 20, Decimal("65.0"), True),
        K.CONGRESS_ROLE_MODEL_OR_GRASSROOTS: (11, 20, Decimal("55.0"), False),
        K.PRESIDIUM_DISABLED_OR_RELATIVE: (4, 6, Decimal("66.7"), True),
        K.PRESIDIUM_ROLE_MODEL_OR_GRASSROOTS: (2, 6, Decimal("33.3"), False),
        K.STAFF_DISABLED: (1, 7, Decimal("14.3"), False),
    }
    rural = next(r for r in result.references if r.criterion == "rural")
    assert (rural.count, rural.total, rural.share, rural.passed) == (4, 20, Decimal("20.0"),
                                                                     None)


def test_county_may_set_its_own_threshold(personas: dict[str, User],
                                          county_bodies: None) -> None:
    services.threshold_set(actor=personas["county_admin"], key=K.STAFF_DISABLED,
                           value=Decimal(14))
    assert _shares(personas["leader"])[K.STAFF_DISABLED][3] is True
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE,
                                     object_type="organizations.threshold").count() == 1


def test_empty_group_cannot_be_judged(personas: dict[str, User], regions: dict[str, str]) -> None:
    assert _shares(personas["county_staff"])[K.STAFF_DISABLED] == (0, 0, None, None)


def test_threshold_outside_0_to_100_is_refused(personas: dict[str, User],
                                               regions: dict[str, str]) -> None:
    from canlian.core.errors import DomainError

    with pytest.raises(DomainError):
        services.threshold_set(actor=personas["county_staff"], key=K.STAFF_DISABLED,
                               value=Decimal(101))
    with pytest.raises(DomainError):
        services.threshold_set(actor=personas["township_staff"], key=K.STAFF_DISABLED,
                               value=Decimal(10))


def test_composition_page_shows_each_rule_with_pass_or_fail_in_words(
    personas: dict[str, User], county_bodies: None, client: Any
) -> None:
    client.force_login(personas["leader"])
    page = client.get(reverse("organizations:composition")).content.decode()
    assert page.count("✓ 达标") == 2 and page.count("✗ 未达标") == 3
    assert "65.0%" in page and "14.3%" in page and "改革方案二(二)2" in page
    assert "调整标准" not in page  # leaders read only


def test_thresholds_page_saves_and_shows_on_the_check(personas: dict[str, User],
                                                      county_bodies: None, client: Any) -> None:
    client.force_login(personas["county_staff"])
    form = {key: str(value) for key, value in {
        K.CONGRESS_DISABLED_OR_RELATIVE: 65, K.CONGRESS_ROLE_MODEL_OR_GRASSROOTS: 55,
        K.PRESIDIUM_DISABLED_OR_RELATIVE: 65, K.PRESIDIUM_ROLE_MODEL_OR_GRASSROOTS: 35,
        K.STAFF_DISABLED: 15, K.COUNCIL_GRASSROOTS_DAYS: 30}.items()}
    assert client.post(reverse("organizations:thresholds"), form).status_code == 302
    shares = _shares(personas["county_staff"])
    assert shares[K.CONGRESS_ROLE_MODEL_OR_GRASSROOTS][3] is True
    bad = client.post(reverse("organizations:thresholds"), {**form, K.STAFF_DISABLED: "120"})
    assert bad.status_code == 200 and bad.context["form"].errors

