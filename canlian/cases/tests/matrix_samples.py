"""Jurisdiction-matrix samples for the visit and case pages and API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona."""

from __future__ import annotations

from datetime import date
from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_VILLAGE = "610921100000"  # a region of 汉阴县, outside every 桐梓 persona
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _persons(actor: User, p: dict[str, User]) -> tuple[Any, Any]:
    from canlian.registry.models import Person
    from canlian.registry.tests.matrix_samples import _person

    inside, outside = _person(actor, p)
    people = Person.objects.in_bulk([inside["person_id"], outside["person_id"]])
    for person in people.values():
        person.category, person.grade = 4, 2
        person.save(update_fields=["category", "grade"])
    return people[inside["person_id"]], people[outside["person_id"]]


def _person(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _persons(actor, p)
    return {"person_id": inside.pk}, {"person_id": outside.pk}


def _visits(actor: User, p: dict[str, User]) -> tuple[Any, Any]:
    from canlian.cases.models import Visit, VisitNeed

    made = []
    for person in _persons(actor, p):
        visit = Visit.objects.create(
            person=person, region_id=person.region_id, visitor=p["county_staff"],
            visited_on=date.today(), mode="home", purpose="follow_up", people_met="本人",
            living_arrangement="alone", photo_path="", photo_content_type="image/png")
        VisitNeed.objects.create(visit=visit, person=person, region_id=person.region_id,
                                 kind="device", description="轮椅")
        made.append(visit)
    return made[0], made[1]


def _visit(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _visits(actor, p)
    return {"visit_id": inside.pk}, {"visit_id": outside.pk}


def _visit_photo(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from django.conf import settings

    from canlian.cases.models import Visit

    inside, outside = _visits(actor, p)
    path = settings.MEDIA_ROOT / "private" / "cases" / "visits" / "sample.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    Visit.objects.filter(pk__in=[inside.pk, outside.pk]).update(
        photo_path=str(path.relative_to(settings.MEDIA_ROOT)), photo_size=len(PNG))
    return {"visit_id": inside.pk}, {"visit_id": outside.pk}


def _need(actor: User, p: dict[str, User], action: str | None = None
          ) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _visits(actor, p)
    kw = [{"need_id": v.needs.get().pk} for v in (inside, outside)]
    if action:
        kw = [{**k, "action": action} for k in kw]
    return kw[0], kw[1]


def _case_pair(actor: User, p: dict[str, User], *, status: str = "registered"
               ) -> tuple[Any, Any]:
    from django.utils import timezone

    from canlian.cases.models import Case

    village = actor.region_id if actor.region.level == "village" else \
        p["village_liaison"].region_id
    outside_village = OTHER_VILLAGE
    if actor.role == "village_liaison" and actor.region_id != p["village_liaison"].region_id:
        outside_village = p["village_liaison"].region_id
    submitter = actor if actor.role == "resident" else p["county_staff"]

    def make(region: str, by: User) -> Case:
        return Case.objects.create(
            source="help", category="device", title="需要轮椅", description="出行困难",
            status=status, region_id=region, submitted_by=by, registered_at=timezone.now(),
            accept_due_on=date.today(), due_on=date.today(),
            concluded_at=timezone.now() if status == "concluded" else None)

    return make(village, submitter), make(outside_village, p["other_county_admin"])


def _case(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _case_pair(actor, p)
    return {"case_id": inside.pk}, {"case_id": outside.pk}


def _case_action(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _case(actor, p)
    return {**inside, "action": "accept"}, {**outside, "action": "accept"}  # type: ignore[dict-item]


def _attachment(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.cases import files

    kept = []
    for case in _case_pair(actor, p):
        stored = files.store(files.Upload("a.png", PNG), folder=str(case.pk),
                             allowed=files.ATTACHMENT_TYPES, field="file")
        attachment = case.attachments.create(
            path=stored.path, original_name="a.png", content_type=stored.content_type,
            size=stored.size, uploaded_by=p["county_staff"], uploaded_at=case.registered_at)
        kept.append({"case_id": case.pk, "attachment_id": attachment.pk})
    return kept[0], kept[1]


def _api_transition(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    if actor.role in ("village_liaison", "resident"):
        inside, outside = _case_pair(actor, p, status="concluded")
        body: Kwargs = {"action": "rate", "version": 1, "satisfaction": "satisfied"}
    else:
        inside, outside = _case_pair(actor, p)
        body = {"action": "accept", "version": 1}
    return ({"case_id": inside.pk, "_body": body}, {"case_id": outside.pk, "_body": body})


def _api_case_create(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    village = actor.region_id if actor.region.level == "village" else \
        p["village_liaison"].region_id
    return {"_body": {"source": "help", "category": "device", "title": "需要轮椅",
                      "description": "出行困难", "region_code": village}}, None


def _api_visit_create(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _persons(actor, p)
    body = {"visited_on": date.today().isoformat(), "mode": "phone", "people_met": "本人",
            "living_arrangement": "with_family", "needs": [{"kind": "rehab",
                                                           "description": "康复训练"}]}
    return ({"_body": {**body, "person_id": inside.pk}},
            {"_body": {**body, "person_id": outside.pk}})


def _api_need_convert(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _need(actor, p)
    body = {"outcome": "demand"}
    return {**inside, "_body": body}, {**outside, "_body": body}  # type: ignore[dict-item]


SAMPLES = {
    "cases:visit_create": _person,
    "cases:visit_draft": _person,
    "cases:visit_detail": _visit,
    "cases:visit_photo": _visit_photo,
    "cases:need_action": lambda a, p: _need(a, p, "demand"),
    "cases:case_detail": _case,
    "cases:case_action": _case_action,
    "cases:attachment_download": _attachment,
    "api:visit_detail": _visit,
    "api:visit_create": _api_visit_create,
    "api:visit_need_convert": _api_need_convert,
    "api:case_detail": _case,
    "api:case_create": _api_case_create,
    "api:case_transition": _api_transition,
}
