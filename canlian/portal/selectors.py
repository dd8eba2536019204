"""Reads of the portal: a resident's own and household records only."""

from __future__ import annotations

from canlian.core.models import Region, RegionLevel, User
from canlian.registry.models import Person


def household_persons(actor: User) -> list[Person]:
    """The resident and the registered members of their household (registry scoping)."""
    return list(Person.objects.visible_to(actor).order_by("birth_date"))


def own_person(actor: User) -> Person | None:
    if not actor.id_number_index:
        return None
    return Person.objects.filter(id_number_index=actor.id_number_index).first()


def village_choices(actor: User) -> list[tuple[str, str]]:
    """Villages of the resident's county, named with their township."""
    villages = Region.objects.filter(level=RegionLevel.VILLAGE,
                                     code__startswith=actor.region_id[:6]).select_related(
        "parent").order_by("code")
    return [(v.code, f"{v.parent.name if v.parent else ''}{v.name}") for v in villages]
