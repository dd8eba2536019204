"""Reads of the portal: a resident's own and household records, and the wards staff verified
as linked to their account."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from canlian.core.models import Region, RegionLevel, User
from canlian.registry import guardians
from canlian.registry.models import Person


def own_person(actor: User) -> Person | None:
    if not actor.id_number_index:
        return None
    return Person.objects.filter(id_number_index=actor.id_number_index).first()


def household_persons(actor: User) -> list[Person]:
    """The resident and the registered members of their household (registry scoping)."""
    own = own_person(actor)
    if own is None:
        return []
    same = Q(pk=own.pk) | (Q(household_id=own.household_id) if own.household_id else Q())
    return list(Person.objects.visible_to(actor).filter(same).order_by("birth_date"))


@dataclass(frozen=True)
class Applicant:
    """Someone a resident may apply for: the choice's key and label, and who it is."""

    key: str
    label: str
    name: str
    id_number: str
    relation: str
    region_code: str


def applicants(actor: User) -> list[Applicant]:
    """Self (an account with an ID number), the registered household, and verified wards —
    nobody else (issue 17 item 5: no applications for strangers)."""
    found: list[Applicant] = []
    own = own_person(actor)
    if actor.id_number_index:
        found.append(Applicant("self", f"本人（{actor.name}）", actor.name, actor.id_number,
                               "本人", own.region_id if own else actor.region_id))
    seen = {own.pk} if own else set()
    for person in household_persons(actor):
        if person.pk not in seen:
            seen.add(person.pk)
            found.append(Applicant(f"member-{person.pk}", f"家庭成员：{person.name}",
                                   person.name, person.id_number, "家庭成员", person.region_id))
    for link in guardians.wards_of(actor):
        if link.person_id not in seen:
            found.append(Applicant(f"ward-{link.pk}", f"被监护人：{link.name}", link.name,
                                   link.id_number, link.relation,
                                   link.person.region_id if link.person else actor.region_id))
    return found


def village_choices(actor: User) -> list[tuple[str, str]]:
    """Villages of the resident's county, named with their township."""
    villages = Region.objects.filter(level=RegionLevel.VILLAGE,
                                     code__startswith=actor.region_id[:6]).select_related(
        "parent").order_by("code")
    return [(v.code, f"{v.parent.name if v.parent else ''}{v.name}") for v in villages]


def persons_of(actor: User) -> list[Person]:
    """Everyone a resident may act for who is in the registry: household and verified wards."""
    return list(Person.objects.visible_to(actor).order_by("birth_date"))
