"""Jurisdiction-matrix samples for the registry's pages and API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]


def _person(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.tests.factories import make_person

    village = p["village_liaison"].region_id
    if actor.region.level == "village":
        village = actor.region_id
    inside = make_person(region_code=village, name="辖区内")
    outside = make_person(region_code="610921100000", name="外县")
    if actor.role == "village_liaison" and actor.region_id != p["village_liaison"].region_id:
        outside = make_person(region_code=p["village_liaison"].region_id, name="邻村")
    return {"person_id": inside.pk}, {"person_id": outside.pk}


def _new_person_body(actor: User, p: dict[str, User]) -> dict[str, Any]:
    from canlian.registry.tests.factories import make_id_number

    village = actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id
    return {"name": "新登记", "id_number": make_id_number(), "region_code": village}


def _household(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import Person

    inside, outside = _person(actor, p)
    ids = dict(Person.objects.filter(pk__in=[inside["person_id"], outside["person_id"]])
               .values_list("pk", "household_id"))
    return ({"household_id": ids[inside["person_id"]]},
            {"household_id": ids[outside["person_id"]]})


def _change_request(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import PersonChangeRequest

    maker = actor if actor.role == "village_liaison" else p["village_liaison"]
    inside = PersonChangeRequest.objects.create(region_id=maker.region_id, name="甲", payload={},
                                                requested_by=maker)
    outside = PersonChangeRequest.objects.create(region_id="610921100000", name="乙",
                                                 payload={}, requested_by=p["other_county_admin"])
    return {"change_id": inside.pk}, {"change_id": outside.pk}


SAMPLES = {
    "registry:person_detail": _person,
    "registry:person_edit": _person,
    "registry:person_reveal": lambda a, p: tuple(  # type: ignore[return-value]
        None if kw is None else {**kw, "field": "id_number"} for kw in _person(a, p)),
    "registry:change_detail": _change_request,
    "api:person_detail": _person,
    "api:person_update": lambda a, p: tuple(
        None if kw is None else {**kw, "_body": {"address": "新住址"}} for kw in _person(a, p)),
    "api:person_create": lambda a, p: ({"_body": _new_person_body(a, p)}, None),
    "api:household_detail": _household,
}
