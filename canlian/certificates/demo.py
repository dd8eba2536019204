"""Demo certificate applications for 桐梓县 (520322), for `manage.py seed_demo --persons N`
(canlian.core's command finds this module without importing certificates; it runs after the
registry's demo).

In each of the two demo townships (楚米镇 by `chumi`, 松坎镇 by `songkan`), applications for
household members without a certificate (新办, 就地简办) and for holders who lost theirs (补办),
taken through the workflow's own services as the people would: the township officer submits,
accepts, assigns the assessment and issues; the assessor (`assessor`) records the conclusion;
county staff (`county`) review (an account that took none of the earlier steps: 不相容岗位分离)
and produce the card. Each application stops at a different step, so every state has
something to show: 待受理, 待补齐材料, 评定中, 公示中, 待县残联审核, 待发放, 已发证, and one
not qualified (未通过).

Each step is taken on a day in the past (the timeline of the application ends today), and the
step's record is dated that day, so nothing is dated after now. Deterministic; nothing happens
when the county already has an application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from canlian.certificates import services, workflow
from canlian.certificates.models import (
    Application,
    ApplicationStep,
    ApplicationType,
    Assessment,
    AssessmentPlace,
    AssessmentResult,
    Channel,
    Status,
    Step,
)
from canlian.certificates.permissions import can_act
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.core.workdays import working_days_between
from canlian.registry.models import CertificateStatus, LivingStatus, Person

COUNTY_CODE = "520322000000"
TOWNSHIP_USERS = ("chumi", "songkan")
INSTITUTION = "桐梓县人民医院"


@dataclass(frozen=True)
class Scenario:
    type: str
    started_days_ago: int  # the day it was submitted
    stop_at: str = ""  # the step it waits at ("" = to the end)
    missing_materials: bool = False
    qualified: bool = True


SCENARIOS = (
    Scenario(ApplicationType.NEW, 1, stop_at=Step.ACCEPT),
    Scenario(ApplicationType.NEW, 3, missing_materials=True),
    Scenario(ApplicationType.NEW, 5, stop_at=Step.ASSESS),
    Scenario(ApplicationType.NEW, 12, stop_at=Step.PUBLICIZE),
    Scenario(ApplicationType.NEW, 24, stop_at=Step.REVIEW),
    Scenario(ApplicationType.NEW, 40, stop_at=Step.ISSUE),
    Scenario(ApplicationType.NEW, 70),
    Scenario(ApplicationType.NEW, 20, qualified=False),
    Scenario(ApplicationType.REPLACEMENT, 30),
)
# Calendar days between taking a step and the next one (publicity waits for its 5 working
# days, 管理办法第九条, whatever this says).
GAP_DAYS = {Step.ACCEPT: 1, Step.ASSESS: 1, Step.PUBLICIZE: 0, Step.REVIEW: 3, Step.PRODUCE: 2,
            Step.ISSUE: 2, Step.CLOSE: 1}
RECORD_AFTER_DAYS = 4  # from assigning the assessment to the assessor's conclusion


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None or persons <= 0:
        return
    if Application.objects.filter(region__code__startswith=county.prefix).exists():
        stdout.write("演示证件办理：已存在，不再生成\n")
        return
    county_staff = User.objects.filter(role=Role.COUNTY_STAFF, region=county,
                                       is_active=True).order_by("pk").first()
    assessor = User.objects.filter(role=Role.ASSESSOR, is_active=True,
                                   region__code__startswith=county.prefix[:6]).order_by("pk").first()
    townships = list(User.objects.filter(username__in=TOWNSHIP_USERS, role=Role.TOWNSHIP_STAFF,
                                         is_active=True).select_related("region"))
    if county_staff is None or assessor is None or not townships:
        return
    today = timezone.localdate()
    made = 0
    with transaction.atomic():
        for officer in sorted(townships, key=lambda u: u.username):
            made += _township(officer, county_staff, assessor, today)
    states = (Application.objects.filter(region__code__startswith=county.prefix)
              .values_list("status", flat=True))
    labels = sorted({Status(s).label for s in states})
    stdout.write(f"演示证件办理：{made} 件申请（{'、'.join(labels)}）\n")


def _township(officer: User, county: User, assessor: User, today: date) -> int:
    prefix = officer.region.prefix
    alive = Person.objects.filter(region__code__startswith=prefix,
                                  living_status=LivingStatus.ALIVE).order_by("pk")
    adults = (_years_before(today, 75), _years_before(today, 18))
    newcomers = iter(alive.household_members_only().filter(birth_date__range=adults)
                     .exclude(certificate_status=CertificateStatus.CANCELLED))
    holders = iter(alive.filter(certificate_status=CertificateStatus.VALID,
                                certificate_valid_until__gt=today + timedelta(days=120)))
    made = 0
    for scenario in SCENARIOS:
        person = next(holders if scenario.type == ApplicationType.REPLACEMENT else newcomers,
                      None)
        if person is None:
            continue
        _run(scenario, person, officer=officer, county=county, assessor=assessor, today=today)
        made += 1
    return made


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _moment(day: date, hour: int) -> datetime:
    """A time on `day` in office hours, never after now."""
    return min(datetime.combine(day, time(hour, 30), tzinfo=timezone.get_current_timezone()),
               timezone.now())


def _date_last_step(application: Application, day: date, hour: int = 10) -> None:
    """The step just recorded was taken on `day`: its record says so (the services stamp now)."""
    step = ApplicationStep.objects.filter(application=application).order_by("-pk").first()
    if step is not None:
        ApplicationStep.objects.filter(pk=step.pk).update(
            done_at=_moment(day, hour),
            working_days=max(working_days_between(step.started_on, day), 0))
    if not Application.objects.filter(pk=application.pk, closed_at__isnull=False).exists():
        return
    Application.objects.filter(pk=application.pk).update(closed_at=_moment(day, hour))


def _run(scenario: Scenario, person: Person, *, officer: User, county: User, assessor: User,
         today: date) -> None:
    day = today - timedelta(days=scenario.started_days_ago)
    extra = {"declared_category": 4} if scenario.type in workflow.NEEDS_ASSESSMENT else {}
    if scenario.type == ApplicationType.REPLACEMENT:
        extra = {"previous_certificate_number": person.certificate_number}
    application = services.application_submit(
        actor=officer, type=scenario.type, channel=Channel.TOWNSHIP, name=person.name,
        id_number=person.id_number, region_code=person.region_id, phone=person.phone,
        applicant_relation="本人", note="演示数据", today=day, **extra)
    Application.objects.filter(pk=application.pk).update(submitted_at=_moment(day, 9))
    _date_last_step(application, day, 9)
    for _ in range(12):
        application = Application.objects.select_related("person", "submitted_by").get(
            pk=application.pk)
        step = application.step
        if not application.is_open or step == scenario.stop_at:
            return
        day = max(day + timedelta(days=GAP_DAYS.get(step, 1)),
                  application.step_due_on if step == Step.PUBLICIZE else day)
        if day > today:
            return
        actor = officer if can_act(officer, application, step) else county
        if step == Step.ACCEPT:
            required = workflow.materials_required(application)
            received = required[1:] if scenario.missing_materials else required
            services.application_accept(actor=actor, application=application,
                                        received=received, today=day)
            _date_last_step(application, day)
            if scenario.missing_materials:
                return
        elif step == Step.ASSESS:
            assessment = services.assessment_assign(
                actor=actor, application=application, assessor=assessor,
                institution=INSTITUTION, place=AssessmentPlace.TOWNSHIP, scheduled_on=day,
                today=day)
            Assessment.objects.filter(pk=assessment.pk).update(assigned_at=_moment(day, 10))
            _date_last_step(application, day)
            day += timedelta(days=RECORD_AFTER_DAYS)
            if day > today or scenario.stop_at == Step.ASSESS:
                return
            assessment.refresh_from_db()
            if scenario.qualified:
                services.assessment_record(actor=assessor, assessment=assessment,
                                           result=AssessmentResult.QUALIFIED, category=4,
                                           grade=3 if application.pk % 2 else 4, today=day)
            else:
                services.assessment_record(actor=assessor, assessment=assessment,
                                           result=AssessmentResult.NOT_QUALIFIED,
                                           note="肢体功能未达到残疾标准", today=day)
            Assessment.objects.filter(pk=assessment.pk).update(assessed_at=_moment(day, 15))
            _date_last_step(application, day, 15)
        elif step == Step.PUBLICIZE:
            services.publicity_complete(actor=actor, application=application, today=day)
            _date_last_step(application, day)
        elif step == Step.REVIEW:
            services.review_approve(actor=county, application=application, note="材料齐全，同意",
                                    today=day)
            _date_last_step(application, day)
        elif step == Step.PRODUCE:
            services.certificate_produce(actor=county, application=application, today=day)
            _date_last_step(application, day)
        elif step == Step.ISSUE:
            services.certificate_issue(actor=actor, application=application, in_person=True,
                                       today=day)
            _date_last_step(application, day, 11)
        elif step == Step.CLOSE:
            services.application_close(actor=county, application=application, today=day)
            _date_last_step(application, day)
        else:
            return

