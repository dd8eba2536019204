"""The rules of a term (issue #4 "bad input"): a term that ends before it starts, two holders
of a single-holder post at once, a member outside the unit's region, writes outside the
actor's jurisdiction — each refused with a Chinese message naming the field; good writes are
audited in the same transaction."""

from __future__ import annotations

from datetime import date

import pytest

from canlian.core.errors import DomainError
from canlian.core.models import AuditAction, AuditEvent, User
from canlian.organizations import services
from canlian.organizations.models import Post, PostHolding, UnitKind
from canlian.organizations.tests.factories import (
    make_holding,
    make_member,
    make_registry_person,
    make_unit,
)


def _refused(call: object, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value


def test_term_that_ends_before_it_starts_is_refused(personas: dict[str, User],
                                                    regions: dict[str, str]) -> None:
    unit = make_unit(region_code=regions["village_a"])
    member = make_member(region_code=regions["village_a"])
    error = _refused(services.holding_create, actor=personas["township_staff"], unit=unit,
                     member=member, post=Post.COMMITTEE_MEMBER, started_on=date(2025, 3, 1),
                     ended_on=date(2025, 2, 28))
    assert (error.code, error.field) == ("term_order", "ended_on")
    assert "终止日期不能早于起始日期" in error.message
    assert not PostHolding.objects.exists()


def test_single_holder_post_refuses_an_overlapping_second_chair(personas: dict[str, User],
                                                               regions: dict[str, str]) -> None:
    """主席 is single-holder: a second chair overlapping the first is refused; once the first
    term ends, the successor may start the next day."""
    actor = personas["township_staff"]
    unit = make_unit(region_code=regions["village_a"])
    first, second = (make_member(region_code=regions["village_a"], name=n) for n in "甲乙")
    services.holding_create(actor=actor, unit=unit, member=first, post=Post.CHAIR,
                            started_on=date(2024, 1, 1))
    error = _refused(services.holding_create, actor=actor, unit=unit, member=second,
                     post=Post.CHAIR, started_on=date(2025, 6, 1))
    assert error.code == "single_holder" and "同一时间只能有一人" in error.message
    assert "2024-01-01" in error.message and "甲" not in error.message  # no personal data
    # A term wholly before the first one does not overlap it.
    services.holding_create(actor=actor, unit=unit, member=second, post=Post.CHAIR,
                            started_on=date(2020, 1, 1), ended_on=date(2023, 12, 31))
    services.holding_end(actor=actor, holding=PostHolding.objects.get(member=first),
                         ended_on=date(2025, 5, 31))
    services.holding_create(actor=actor, unit=unit, member=second, post=Post.CHAIR,
                            started_on=date(2025, 6, 1))
    assert PostHolding.objects.filter(post=Post.CHAIR).count() == 3


def test_many_committee_members_and_liaison_officers_may_serve_at_once(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    """委员 is many-holder; so is 专职委员 (汉阴, seed 001: 220 officers in 156 villages)."""
    unit = make_unit(region_code=regions["village_a"])
    for name in "甲乙丙":
        member = make_member(region_code=regions["village_a"], name=name)
        for post in (Post.COMMITTEE_MEMBER, Post.LIAISON_OFFICER):
            services.holding_create(actor=personas["county_staff"], unit=unit, member=member,
                                    post=post, started_on=date(2025, 1, 1))
    assert PostHolding.objects.count() == 6


def test_same_person_twice_in_the_same_post_is_refused(personas: dict[str, User],
                                                       regions: dict[str, str]) -> None:
    unit = make_unit(region_code=regions["village_a"])
    member = make_member(region_code=regions["village_a"])
    make_holding(unit=unit, member=member, post=Post.COMMITTEE_MEMBER)
    error = _refused(services.holding_create, actor=personas["county_staff"], unit=unit,
                     member=member, post=Post.COMMITTEE_MEMBER, started_on=date(2025, 1, 1))
    assert (error.code, error.field) == ("duplicate", "member")


def test_member_outside_the_units_region_is_refused(personas: dict[str, User],
                                                    regions: dict[str, str]) -> None:
    unit = make_unit(region_code=regions["village_a"])
    neighbour = make_member(region_code=regions["village_a2"])
    error = _refused(services.holding_create, actor=personas["township_staff"], unit=unit,
                     member=neighbour, post=Post.LIAISON_OFFICER, started_on=date(2025, 1, 1))
    assert (error.code, error.field) == ("member_outside", "member")
    assert "不在" in error.message and "范围内" in error.message
    # The township federation's region contains both villages: there it is fine.
    federation = make_unit(region_code=regions["township_a"], kind=UnitKind.TOWNSHIP_FEDERATION)
    services.holding_create(actor=personas["township_staff"], unit=federation,
                            member=neighbour, post=Post.LIAISON_OFFICER,
                            started_on=date(2025, 1, 1))


def test_township_staff_cannot_appoint_in_another_township(personas: dict[str, User],
                                                           regions: dict[str, str]) -> None:
    unit = make_unit(region_code=regions["village_b"])
    member = make_member(region_code=regions["village_b"])
    error = _refused(services.holding_create, actor=personas["township_staff"], unit=unit,
                     member=member, post=Post.CHAIR, started_on=date(2025, 1, 1))
    assert error.code == "forbidden"
    error = _refused(services.holding_create, actor=personas["leader"], unit=unit,
                     member=member, post=Post.CHAIR, started_on=date(2025, 1, 1))
    assert error.code == "forbidden"


def test_delegates_belong_to_the_congress_only(personas: dict[str, User],
                                               regions: dict[str, str]) -> None:
    congress = make_unit(region_code=regions["county"], kind=UnitKind.CONGRESS)
    village = make_unit(region_code=regions["village_a"])
    member = make_member(region_code=regions["village_a"])
    for unit, post in ((congress, Post.CHAIR), (village, Post.DELEGATE)):
        error = _refused(services.holding_create, actor=personas["county_staff"], unit=unit,
                         member=member, post=post, started_on=date(2025, 1, 1))
        assert error.code == "delegate"
    services.holding_create(actor=personas["county_staff"], unit=congress, member=member,
                            post=Post.DELEGATE, started_on=date(2025, 1, 1))


def test_ending_a_term_before_it_started_is_refused(personas: dict[str, User],
                                                   regions: dict[str, str]) -> None:
    holding = make_holding(unit=make_unit(region_code=regions["village_a"]),
                           member=make_member(region_code=regions["village_a"]),
                           post=Post.CHAIR, started_on=date(2025, 1, 1))
    error = _refused(services.holding_end, actor=personas["county_staff"], holding=holding,
                     ended_on=date(2024, 12, 31))
    assert error.code == "term_order"


def test_unit_kind_must_match_the_region_level(personas: dict[str, User],
                                               regions: dict[str, str]) -> None:
    actor = personas["county_staff"]
    error = _refused(services.unit_create, actor=actor, data=services.UnitData(
        kind=UnitKind.VILLAGE_ASSOCIATION, name="错", region_code=regions["township_a"]))
    assert (error.code, error.field) == ("level", "region")
    services.unit_create(actor=actor, data=services.UnitData(
        kind=UnitKind.VILLAGE_ASSOCIATION, name="甲村残协", region_code=regions["village_a"]))
    error = _refused(services.unit_create, actor=actor, data=services.UnitData(
        kind=UnitKind.VILLAGE_ASSOCIATION, name="又一个", region_code=regions["village_a"]))
    assert error.code == "duplicate"
    error = _refused(services.unit_create, actor=actor, data=services.UnitData(
        kind=UnitKind.SPECIAL_ASSOCIATION, name="协会", region_code=regions["county"]))
    assert error.field == "special_kind"
    services.unit_create(actor=actor, data=services.UnitData(
        kind=UnitKind.SPECIAL_ASSOCIATION, special_kind="blind", name="桐梓县盲人协会",
        region_code=regions["county"]))


def test_township_staff_cannot_create_county_bodies(personas: dict[str, User],
                                                    regions: dict[str, str]) -> None:
    error = _refused(services.unit_create, actor=personas["township_staff"],
                     data=services.UnitData(kind=UnitKind.PRESIDIUM, name="主席团",
                                            region_code=regions["county"]))
    assert error.code in ("forbidden", "county_body")


def test_writes_are_audited_with_masked_phone(personas: dict[str, User],
                                              regions: dict[str, str]) -> None:
    actor = personas["township_staff"]
    member = services.member_create(actor=actor, data=services.MemberData(
        name="李四", region_code=regions["village_a"], phone="13912345678", is_disabled=True))
    unit = make_unit(region_code=regions["village_a"])
    services.holding_create(actor=actor, unit=unit, member=member, post=Post.LIAISON_OFFICER,
                            started_on=date(2025, 1, 1))
    events = list(AuditEvent.objects.filter(action=AuditAction.CREATE).order_by("id"))
    assert [e.object_type for e in events] == ["organizations.member",
                                               "organizations.postholding"]
    assert "13912345678" not in str(events[0].changes)
    assert events[1].region_code == regions["village_a"]


def test_bad_phone_is_refused_on_its_field(personas: dict[str, User],
                                           regions: dict[str, str]) -> None:
    error = _refused(services.member_create, actor=personas["county_staff"],
                     data=services.MemberData(name="王五", region_code=regions["village_a"],
                                              phone="12345"))
    assert error.field == "phone"


def test_member_linked_to_registry_person_by_id_number(personas: dict[str, User],
                                                       regions: dict[str, str]) -> None:
    person = make_registry_person(region_code=regions["village_a"], name="赵六", category=4,
                                  grade=3)
    member = services.member_create(actor=personas["township_staff"], data=services.MemberData(
        name="赵六", region_code=regions["village_a"], id_number=person.id_number))
    assert member.person_id == person.pk
    outsider = make_registry_person(region_code=regions["village_b"], name="钱七")
    error = _refused(services.member_create, actor=personas["township_staff"],
                     data=services.MemberData(name="钱七", region_code=regions["village_a"],
                                              id_number=outsider.id_number))
    assert error.field == "id_number"


@pytest.mark.postgres_only
def test_postgresql_refuses_overlapping_chairs_even_without_the_service(
    regions: dict[str, str],
) -> None:
    """Migration 0002's exclusion constraint: the database is the backstop for any writer."""
    from django.db import IntegrityError, transaction

    unit = make_unit(region_code=regions["village_a"])
    first, second = (make_member(region_code=regions["village_a"], name=n) for n in "甲乙")
    make_holding(unit=unit, member=first, post=Post.CHAIR, started_on=date(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_holding(unit=unit, member=second, post=Post.CHAIR, started_on=date(2025, 1, 1))
    make_holding(unit=unit, member=second, post=Post.COMMITTEE_MEMBER,
                 started_on=date(2025, 1, 1))
