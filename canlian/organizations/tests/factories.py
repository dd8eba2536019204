"""Test data for the organisation system, written as the services would store it."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from canlian.core.crypto import blind_index
from canlian.organizations.models import Member, OrgUnit, Post, PostHolding, UnitKind

_phones = itertools.count(13900000000)


def make_unit(*, region_code: str, kind: str = UnitKind.VILLAGE_ASSOCIATION, name: str = "",
              **fields: Any) -> OrgUnit:
    return OrgUnit.objects.create(kind=kind, region_id=region_code,
                                  name=name or f"{region_code}{UnitKind(kind).label}", **fields)


def make_member(*, region_code: str, name: str = "张三", phone: str | None = None,
                **flags: Any) -> Member:
    phone = str(next(_phones)) if phone is None else phone
    return Member.objects.create(name=name, region_id=region_code, phone=phone,
                                 phone_index=blind_index(phone) if phone else "", **flags)


def make_holding(*, unit: OrgUnit, member: Member, post: str,
                 started_on: date = date(2024, 1, 1), ended_on: date | None = None
                 ) -> PostHolding:
    return PostHolding.objects.create(unit=unit, member=member, post=post,
                                      started_on=started_on, ended_on=ended_on)


def make_liaison_officer(*, region_code: str, name: str = "", user: Any = None,
                         started_on: date = date(2024, 1, 1), ended_on: date | None = None
                         ) -> Member:
    """A 专职委员 of the village's association (made on first use), linked to a system account
    when given one: who serves a village (organizations.selectors.liaison_holdings)."""
    unit = (OrgUnit.objects.filter(kind=UnitKind.VILLAGE_ASSOCIATION, region_id=region_code)
            .first() or make_unit(region_code=region_code))
    member = make_member(region_code=region_code, name=name or (user.name if user else "张三"))
    if user is not None:
        member.user = user
        member.save(update_fields=["user"])
    make_holding(unit=unit, member=member, post=Post.LIAISON_OFFICER, started_on=started_on,
                 ended_on=ended_on)
    return member


_sequence = itertools.count(1)


def make_registry_person(*, region_code: str, name: str = "库内人员",
                         category: int | None = None, grade: int | None = None) -> Any:
    """A registry record to link a member to. Built through the foreign key's model, because
    organizations and registry are independent layers (no import of the registry app)."""
    from canlian.core.idnumbers import id_check_char

    person_model = Member._meta.get_field("person").related_model
    first17 = f"52032219800101{next(_sequence) % 1000:03d}"
    number = first17 + id_check_char(first17)
    return person_model.objects.create(  # type: ignore[union-attr]
        name=name, name_initials="", id_number=number, id_number_index=blind_index(number),
        id_tail_index=blind_index(number[-4:]), birth_date=date(1980, 1, 1),
        sex="M" if int(number[16]) % 2 else "F", region_id=region_code, category=category,
        grade=grade)
