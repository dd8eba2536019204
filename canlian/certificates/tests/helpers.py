"""Shared test helpers: people with certificates, and a driver that takes an application
through every step of its sequence the way staff and the assessor would."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from canlian.certificates import services, workflow
from canlian.certificates.models import Application, AssessmentPlace, Channel, Step
from canlian.certificates.permissions import can_act
from canlian.core.crypto import blind_index
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import User
from canlian.core.tests.factories import UserFactory
from canlian.registry.models import CertificateStatus, Person
from canlian.registry.tests.factories import make_id_number, make_person


def holder(region_code: str, *, category: int = 4, grade: int = 4, name: str = "持证人",
           valid_until: date | None = None, number: str = "", **fields: Any) -> Person:
    """A registry person holding a valid certificate (number = ID + category + grade)."""
    id_number = make_id_number()
    number = number or build_certificate_number(id_number=id_number, category=category,
                                                grade=grade)
    today = timezone.localdate()
    return make_person(region_code=region_code, name=name, id_number=id_number,
                       category=category, grade=grade, certificate_number=number,
                       certificate_issued_on=today - timedelta(days=3000),
                       certificate_valid_until=valid_until or today + timedelta(days=600),
                       **fields)


def set_certificate(person: Person, number: str) -> None:
    Person.objects.filter(pk=person.pk).update(
        certificate_number=number, certificate_index=blind_index(number),
        certificate_status=CertificateStatus.VALID)


def submit(actor: User, *, type: str, channel: str, region: str, person: Person | None = None,
           id_number: str = "", name: str = "申请人", **extra: Any) -> Application:
    values: dict[str, Any] = {"declared_category": 4} if type in workflow.NEEDS_ASSESSMENT else {}
    if type == "renewal":
        values["renewal_reason"] = "expiry"
    if type == "cancellation":
        values["cancel_reason"] = "own_request"
    if type == "transfer_out":
        values["destination"] = "遵义市汇川区"
    if channel == Channel.CROSS_PROVINCE:
        values.update(cross_direction="incoming", other_place="浙江省杭州市西湖区")
    values.update(extra)
    return services.application_submit(
        actor=actor, type=type, channel=channel, name=person.name if person else name,
        id_number=person.id_number if person else id_number, region_code=region,
        phone="13800001111", **values)


def reviewer_for(county: User) -> User:
    """A county staff account other than `county`, for the review (不相容岗位分离)."""
    found = User.objects.filter(role=county.role, region=county.region, is_active=True).exclude(
        pk=county.pk).first()
    return found or UserFactory(role=county.role, region=county.region)


def run_to_end(application: Application, *, county: User, township: User, assessor: User,
               grade: int = 2, category: int = 4, components: list[dict[str, int]] | None = None,
               reviewer: User | None = None) -> Application:
    """Take every remaining step; the township officer acts where the workflow lets them, and
    another county staff account than `county` reviews."""
    reviewer = reviewer or reviewer_for(county)
    for _ in range(20):
        application = Application.objects.select_related("person", "submitted_by").get(
            pk=application.pk)
        if not application.is_open:
            return application
        step = application.step
        actor = township if can_act(township, application, step) else county
        if step == Step.ACCEPT:
            services.application_accept(actor=actor, application=application,
                                        received=workflow.materials_required(application))
        elif step == Step.ASSESS:
            place = {Channel.HOME: AssessmentPlace.HOME,
                     Channel.TOWNSHIP: AssessmentPlace.TOWNSHIP}.get(application.channel,
                                                                      AssessmentPlace.HOSPITAL)
            assessment = services.assessment_assign(
                actor=actor, application=application, assessor=assessor,
                institution="县人民医院", place=place,
                scheduled_on=timezone.localdate() + timedelta(days=3))
            assessment.application.refresh_from_db()
            services.assessment_record(actor=assessor, assessment=assessment, result="qualified",
                                       category=category, grade=grade,
                                       components=components or [])
        elif step == Step.PUBLICIZE:
            services.publicity_complete(actor=actor, application=application,
                                        today=application.step_due_on)
        elif step == Step.REVIEW:
            services.review_approve(actor=reviewer, application=application)
        elif step == Step.PRODUCE:
            services.certificate_produce(actor=actor, application=application)
        elif step == Step.ISSUE:
            services.certificate_issue(actor=actor, application=application)
        elif step == Step.CLOSE:
            services.application_close(actor=actor, application=application)
        elif step == Step.FORWARD:
            services.application_forward(actor=actor, application=application)
    raise AssertionError("application did not finish")
