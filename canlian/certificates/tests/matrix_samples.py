"""Jurisdiction-matrix samples for the certificate pages and API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona."""

from __future__ import annotations

from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_VILLAGE = "610921100000"  # a region of 汉阴县, outside every 桐梓 persona


def _application(actor: User, p: dict[str, User], *, channel: str = "township",
                 assessor: User | None = None) -> tuple[Any, Any]:
    from django.utils import timezone

    from canlian.certificates.models import Application, Assessment
    from canlian.registry.tests.factories import make_id_number

    village = p["village_liaison"].region_id
    if actor.region.level == "village":
        village = actor.region_id
    outside_village = OTHER_VILLAGE
    if actor.role == "village_liaison" and actor.region_id != p["village_liaison"].region_id:
        outside_village = p["village_liaison"].region_id

    def make(region: str, submitter: User) -> Application:
        number = make_id_number()
        from canlian.core.crypto import blind_index

        app = Application.objects.create(
            type="new", channel=channel, name="样例", id_number=number,
            id_number_index=blind_index(number), region_id=region, declared_category=4,
            submitted_by=submitter, submitted_at=timezone.now(), status="submitted",
            step="accept", step_started_on=timezone.localdate(),
            step_due_on=timezone.localdate())
        return app

    inside = make(village, actor if actor.role == "resident" else p["county_staff"])
    outside = make(outside_village, p["other_county_admin"])
    if actor.role == "assessor":
        for app in (inside, outside):
            Application.objects.filter(pk=app.pk).update(status="in_progress", step="assess")
        Assessment.objects.create(application=inside, assessor=actor, institution="县医院",
                                  place="hospital", assigned_by=p["county_staff"],
                                  assigned_at=timezone.now())
    return inside, outside


def _app_kwargs(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _application(actor, p)
    return {"application_id": inside.pk}, {"application_id": outside.pk}


def _action(action: str):  # type: ignore[no-untyped-def]
    def sample(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
        inside, outside = _app_kwargs(actor, p)
        return ({**inside, "action": action},
                None if outside is None else {**outside, "action": action})
    return sample


def _document(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.certificates import services

    inside, outside = _application(actor, p)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    kept = []
    for app in (inside, outside):
        doc = services.document_upload(actor=p["county_staff"] if app is inside else
                                       p["other_county_admin"], application=app, kind="photo",
                                       name="a.png", content=png)
        kept.append({"application_id": app.pk, "document_id": doc.pk})
    return kept[0], kept[1]


def _assessment(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from django.utils import timezone

    from canlian.certificates.models import Assessment

    inside, outside = _application(actor, p)
    mine = Assessment.objects.filter(application=inside).first() or Assessment.objects.create(
        application=inside, assessor=p["assessor"], institution="县医院", place="hospital",
        assigned_by=p["county_staff"], assigned_at=timezone.now())
    theirs = Assessment.objects.create(
        application=outside, assessor=p["assessor"] if actor != p["assessor"] else
        p["county_staff"], institution="县医院", place="hospital",
        assigned_by=p["county_staff"], assigned_at=timezone.now())
    return {"assessment_id": mine.pk}, {"assessment_id": theirs.pk}


def _api_transition(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.certificates import workflow
    from canlian.certificates.models import Application, Assessment

    inside, outside = _application(actor, p)
    if actor.role == "assessor":
        Application.objects.filter(pk=inside.pk).update(version=1)
        assessment = Assessment.objects.get(application=inside)
        body = {"action": "assess", "version": 1, "assessment_id": assessment.pk,
                "result": "qualified", "category": 4, "grade": 3}
    else:
        body = {"action": "accept", "version": 1,
                "received": workflow.materials_required(inside)}
    return ({"application_id": inside.pk, "_body": body},
            {"application_id": outside.pk, "_body": body})


def _api_create(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.tests.factories import make_id_number

    village = actor.region_id if actor.region.level == "village" else \
        p["village_liaison"].region_id
    channel = {"resident": "online", "village_liaison": "township",
               "township_staff": "township"}.get(actor.role, "window")
    number, relation = make_id_number(), "监护人"
    if actor.role == "resident":  # a resident applies for themselves (or a verified ward)
        from canlian.core.crypto import blind_index

        User.objects.filter(pk=actor.pk).update(id_number=number,
                                                id_number_index=blind_index(number))
        relation = "本人"
    body = {"type": "new", "channel": channel, "name": "新申请", "id_number": number,
            "region_code": village, "declared_category": 4, "applicant_relation": relation}
    return {"_body": body}, None


SAMPLES = {
    "certificates:application_detail": _app_kwargs,
    "certificates:application_action": _action("accept"),
    "certificates:receipt_pdf": _app_kwargs,
    "certificates:assessment_notice_pdf": _app_kwargs,
    "certificates:document_download": _document,
    "certificates:assessment_detail": _assessment,
    "api:application_detail": _app_kwargs,
    "api:application_transition": _api_transition,
    "api:application_create": _api_create,
}
