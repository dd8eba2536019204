"""Every application type through every channel to the end, with the registry changed exactly
as it should (DOMAIN.md §0.1, §1, §2.1; 管理办法第九、十三、十九、二十一、二十二、二十四条)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from canlian.certificates import services, workflow
from canlian.certificates.models import (
    Application,
    ApplicationType,
    Channel,
    Notice,
    Status,
    Step,
    StepOutcome,
)
from canlian.certificates.tests.helpers import holder, run_to_end, set_certificate, submit
from canlian.core.crypto import blind_index
from canlian.core.errors import DomainError
from canlian.core.idnumbers import build_certificate_number, certificate_valid_until
from canlian.core.models import AuditEvent, User
from canlian.registry.models import CertificateStatus, LivingStatus, Person
from canlian.registry.tests.factories import make_id_number

TYPES = list(ApplicationType.values)
CHANNELS = [c for c in Channel.values]


def _submitter(personas: dict[str, User], channel: str, person: Person | None,
               id_number: str) -> User:
    if channel == Channel.TOWNSHIP:
        return personas["township_staff"]
    if channel == Channel.ONLINE:
        resident = personas["resident"]
        number = person.id_number if person else id_number
        User.objects.filter(pk=resident.pk).update(id_number=number,
                                                   id_number_index=blind_index(number))
        resident.refresh_from_db()
        return resident
    return personas["county_staff"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("type", TYPES)
def test_every_type_through_every_channel_changes_the_registry(
        type: str, channel: str, personas: dict[str, User], regions: dict[str, str]) -> None:
    village = regions["village_a"]
    today = timezone.localdate()
    person = None
    id_number = make_id_number()
    old_number = ""
    if type not in (ApplicationType.NEW, ApplicationType.TRANSFER_IN):
        person = holder(village, category=4, grade=4)
        old_number = person.certificate_number
    extra = {}
    if type == ApplicationType.TRANSFER_IN:
        extra = {"previous_certificate_number": build_certificate_number(
            id_number=id_number, category=2, grade=3),
            "previous_valid_until": today + timedelta(days=1000)}
    history_before = person.history.count() if person else 0
    app = submit(_submitter(personas, channel, person, id_number), type=type, channel=channel,
                 region=village, person=person, id_number=id_number, **extra)
    done = run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                      assessor=personas["assessor"], category=4, grade=2)
    registered = Person.objects.get(id_number_index=app.id_number_index)
    id_part = registered.id_number
    expected_status = {"transfer_in": Status.CLOSED, "transfer_out": Status.CLOSED,
                       "cancellation": Status.CLOSED}.get(type, Status.ISSUED)
    assert done.status == expected_status
    if type in (ApplicationType.NEW, ApplicationType.REASSESSMENT):
        assert registered.certificate_number == f"{id_part}42"
        assert (registered.category, registered.grade) == (4, 2)
        assert registered.certificate_issued_on == today
        assert registered.certificate_valid_until == certificate_valid_until(today)
    elif type == ApplicationType.RENEWAL:  # same number, new 10-year validity (第十九条)
        assert registered.certificate_number == old_number
        assert registered.certificate_valid_until == certificate_valid_until(today)
    elif type == ApplicationType.REPLACEMENT:  # DOMAIN.md §2.1: B1 on the first re-issue
        assert registered.certificate_number == old_number + "B1"
        assert registered.certificate_index == blind_index(old_number + "B1")
    elif type == ApplicationType.TRANSFER_IN:
        assert registered.certificate_number == f"{id_part}23"
        assert registered.region_id == village
        assert registered.certificate_status == CertificateStatus.VALID
    elif type == ApplicationType.TRANSFER_OUT:
        assert registered.living_status == LivingStatus.MOVED_OUT
        assert registered.certificate_number == old_number
    elif type == ApplicationType.CANCELLATION:
        assert registered.certificate_status == CertificateStatus.CANCELLED
        assert registered.certificate_cancel_reason == "own_request"
    if type not in (ApplicationType.NEW, ApplicationType.TRANSFER_IN):
        # one history row per registry change, written by the staff member who closed it
        assert registered.history.count() == history_before + 1
        assert registered.history.first().history_user is not None
    steps = [s.step for s in done.steps.filter(outcome=StepOutcome.DONE)]
    assert steps == [Step.SUBMIT, *workflow.sequence_for(done)]
    assert AuditEvent.objects.filter(object_type="certificates.application",
                                     object_id=str(done.pk)).count() >= len(steps)


def test_replacement_twice_gives_b2_and_the_lost_number_is_gone(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """DOMAIN.md §2.1: B1 for the first re-issue, B2 for the second; the lost card is cancelled
    (the registry no longer finds the person by it)."""
    person = holder(regions["village_a"], category=1, grade=2)
    original = person.certificate_number
    for suffix in ("B1", "B2"):
        app = submit(personas["county_staff"], type="replacement", channel="window",
                     region=regions["village_a"], person=person)
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"])
        person.refresh_from_db()
        assert person.certificate_number == original + suffix
    assert not Person.objects.filter(certificate_index=blind_index(original + "B1")).exists()
    assert Person.objects.filter(certificate_index=blind_index(original + "B2")).exists()


def test_replacement_after_b9_is_refused(personas: dict[str, User],
                                         regions: dict[str, str]) -> None:
    person = holder(regions["village_a"], category=1, grade=2)
    set_certificate(person, person.certificate_number + "B9")
    app = submit(personas["county_staff"], type="replacement", channel="window",
                 region=regions["village_a"], person=person)
    with pytest.raises(DomainError, match="9 次"):
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"])


def test_multiple_disability_takes_the_most_severe_grade(personas: dict[str, User],
                                                         regions: dict[str, str]) -> None:
    """DOMAIN.md §0.1 / 管理办法第十三条: 多重残疾 grade = the most severe component."""
    id_number = make_id_number()
    app = submit(personas["county_staff"], type="new", channel="window",
                 region=regions["village_a"], id_number=id_number, declared_category=7)
    run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
               assessor=personas["assessor"], category=7, grade=None,  # type: ignore[arg-type]
               components=[{"category": 1, "grade": 3}, {"category": 4, "grade": 2}])
    person = Person.objects.get(id_number_index=blind_index(id_number))
    assert person.certificate_number == f"{id_number}72"
    assert (person.category, person.grade, person.components) == (7, 2, [1, 4])


def test_second_new_for_a_valid_certificate_is_refused(personas: dict[str, User],
                                                       regions: dict[str, str]) -> None:
    person = holder(regions["village_a"])
    with pytest.raises(DomainError) as error:
        submit(personas["county_staff"], type="new", channel="window",
               region=regions["village_a"], person=person)
    assert error.value.code == "has_certificate"
    assert not Application.objects.exists()


def test_own_request_cancellation_blocks_new_application_for_one_year(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """管理办法第二十四条 (DOMAIN.md §2.1): no new application for 1 year after cancelling at
    the holder's own request."""
    person = holder(regions["village_a"])
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        app = submit(personas["county_staff"], type="cancellation", channel="window",
                     region=regions["village_a"], person=person)
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"])
    closed_on = timezone.localtime(Application.objects.get(pk=app.pk).closed_at).date()
    with time_machine.travel("2027-03-01 10:00 +0800", tick=False):
        with pytest.raises(DomainError) as error:
            submit(personas["county_staff"], type="new", channel="window",
                   region=regions["village_a"], person=person)
        assert error.value.code == "blocked"
    assert closed_on.replace(year=closed_on.year + 1).isoformat() == "2027-03-02"
    with time_machine.travel("2027-03-02 10:00 +0800", tick=False):
        assert submit(personas["county_staff"], type="new", channel="window",
                      region=regions["village_a"], person=person).status == Status.SUBMITTED


def test_materials_missing_are_told_once_and_nothing_new_later(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """受理: incomplete materials are told to the applicant once, all of them at once."""
    staff = personas["county_staff"]
    app = submit(staff, type="new", channel="window", region=regions["village_a"],
                 id_number=make_id_number())
    services.application_accept(actor=staff, application=app, received=["id_card", "hukou",
                                                                          "photo"])
    app.refresh_from_db()
    assert app.status == Status.NEEDS_MATERIALS
    assert app.materials_notified == ["medical"]
    with pytest.raises(DomainError) as error:  # now also asking for the hukou book: refused
        services.application_accept(actor=staff, application=app, received=["id_card", "photo"])
    assert error.value.code == "told_once"
    services.application_accept(actor=staff, application=app,
                                received=workflow.materials_required(app))
    app.refresh_from_db()
    assert app.step == Step.ASSESS
    assert app.person is not None  # registered in the registry through its service


def test_out_of_order_wrong_role_and_outside_jurisdiction_change_nothing(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    app = submit(personas["county_staff"], type="new", channel="window",
                 region=regions["village_b"], id_number=make_id_number())
    version = app.version
    with pytest.raises(DomainError) as error:
        services.review_approve(actor=personas["county_staff"], application=app)
    assert error.value.code == "out_of_order"
    with pytest.raises(DomainError) as error:  # township staff of 楚米镇, village B is 松坎镇
        services.application_accept(actor=personas["township_staff"], application=app,
                                    received=workflow.materials_required(app))
    assert error.value.code == "jurisdiction"
    app.refresh_from_db()
    assert (app.version, app.step, app.steps.count()) == (version, Step.ACCEPT, 1)


def test_township_staff_cannot_accept_a_window_application(personas: dict[str, User],
                                                           regions: dict[str, str]) -> None:
    app = submit(personas["county_staff"], type="new", channel="window",
                 region=regions["village_a"], id_number=make_id_number())
    with pytest.raises(DomainError) as error:
        services.application_accept(actor=personas["township_staff"], application=app,
                                    received=workflow.materials_required(app))
    assert error.value.code == "forbidden"


def test_township_channel_only_for_delegated_categories(personas: dict[str, User],
                                                        regions: dict[str, str]) -> None:
    """就地简办: the county delegates assessment of 肢体 (桐梓, seed 000) to the townships."""
    with pytest.raises(DomainError) as error:
        submit(personas["township_staff"], type="new", channel="township",
               region=regions["village_a"], id_number=make_id_number(), declared_category=6)
    assert error.value.field == "declared_category"


def test_stale_version_is_a_conflict_and_changes_nothing(personas: dict[str, User],
                                                         regions: dict[str, str]) -> None:
    staff = personas["county_staff"]
    app = submit(staff, type="new", channel="window", region=regions["village_a"],
                 id_number=make_id_number())
    stale = Application.objects.get(pk=app.pk)
    services.application_accept(actor=staff, application=app,
                                received=workflow.materials_required(app))
    with pytest.raises(DomainError) as error:
        services.application_accept(actor=staff, application=stale,
                                    received=workflow.materials_required(stale))
    assert error.value.code == "conflict"
    assert Application.objects.get(pk=app.pk).steps.count() == 2


def test_rejection_needs_a_reason_and_tells_the_applicant(personas: dict[str, User],
                                                          regions: dict[str, str]) -> None:
    resident = personas["resident"]
    number = make_id_number()
    User.objects.filter(pk=resident.pk).update(id_number=number,
                                               id_number_index=blind_index(number))
    resident.refresh_from_db()
    app = submit(resident, type="new", channel="online", region=regions["village_a"],
                 id_number=number)
    with pytest.raises(DomainError):
        services.application_reject(actor=personas["county_staff"], application=app, reason=" ")
    services.application_reject(actor=personas["county_staff"], application=app,
                                reason="户籍不在本县")
    app.refresh_from_db()
    assert app.status == Status.REJECTED and app.reject_reason == "户籍不在本县"
    assert Notice.objects.filter(recipient=resident, title="申请未通过").exists()


def test_objection_within_10_working_days_starts_reassessment(personas: dict[str, User],
                                                               regions: dict[str, str]) -> None:
    """管理办法第二十五条: an objection within 10 working days → re-assessment; later: refused."""
    staff, assessor = personas["county_staff"], personas["assessor"]
    with time_machine.travel("2026-09-14 09:00 +0800", tick=False):
        app = submit(staff, type="new", channel="window", region=regions["village_a"],
                     id_number=make_id_number())
        services.application_accept(actor=staff, application=app,
                                    received=workflow.materials_required(app))
        assessment = services.assessment_assign(actor=staff, application=app, assessor=assessor,
                                                institution="县医院", place="hospital")
        services.assessment_record(actor=assessor, assessment=assessment, result="qualified",
                                   category=4, grade=3)
    app.refresh_from_db()
    assert app.step == Step.PUBLICIZE
    # 2026-09-14 (Mon) + 10 working days: Sunday 9/20 is a make-up working day, 9/25 is the
    # 中秋 holiday, so the last day is Monday 2026-09-28.
    assert services.objection_deadline(app).isoformat() == "2026-09-28"
    with time_machine.travel("2026-09-29 09:00 +0800", tick=False):
        with pytest.raises(DomainError) as error:
            services.objection_record(actor=staff, application=app, note="等级偏轻")
        assert error.value.code == "objection_late"
    with time_machine.travel("2026-09-28 09:00 +0800", tick=False):
        services.objection_record(actor=staff, application=app, note="等级偏轻")
    app.refresh_from_db()
    assert app.step == Step.ASSESS


def test_assessment_is_recorded_only_by_the_assigned_assessor(
        personas: dict[str, User], regions: dict[str, str], make_user) -> None:  # type: ignore[no-untyped-def]
    staff = personas["county_staff"]
    other = make_user("assessor", username="assessor2")
    app = submit(staff, type="new", channel="window", region=regions["village_a"],
                 id_number=make_id_number())
    services.application_accept(actor=staff, application=app,
                                received=workflow.materials_required(app))
    assessment = services.assessment_assign(actor=staff, application=app,
                                            assessor=personas["assessor"], institution="县医院",
                                            place="hospital")
    with pytest.raises(DomainError):
        services.assessment_record(actor=other, assessment=assessment, result="qualified",
                                   category=4, grade=3)


def test_home_channel_requires_a_scheduled_home_visit(personas: dict[str, User],
                                                      regions: dict[str, str]) -> None:
    staff = personas["county_staff"]
    app = submit(staff, type="new", channel="home", region=regions["village_a"],
                 id_number=make_id_number())
    services.application_accept(actor=staff, application=app,
                                received=workflow.materials_required(app))
    with pytest.raises(DomainError) as error:
        services.assessment_assign(actor=staff, application=app, assessor=personas["assessor"],
                                   institution="县医院", place="home")
    assert error.value.field == "scheduled_on"


def test_cross_province_outgoing_is_pushed_within_3_working_days(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """跨省通办 (seed 000): accepted here, pushed to the hukou county; registry untouched."""
    staff = personas["county_staff"]
    with time_machine.travel("2026-09-30 10:00 +0800", tick=False):
        app = submit(staff, type="new", channel="cross_province", region=regions["village_a"],
                     id_number=make_id_number(), cross_direction="outgoing",
                     other_place="四川省成都市")
        services.application_accept(actor=staff, application=app,
                                    received=workflow.materials_required(app))
    app.refresh_from_db()
    assert app.step == Step.FORWARD
    # 9/30 + 3 working days: 10/1–10/7 National Day, then Thu 10/8, Fri 10/9 and the make-up
    # working Saturday 10/10.
    assert app.step_due_on.isoformat() == "2026-10-10"
    services.application_forward(actor=staff, application=app)
    app.refresh_from_db()
    assert app.status == Status.FORWARDED
    assert not Person.objects.filter(id_number_index=app.id_number_index).exists()


def test_trips_are_counted_per_in_person_step(personas: dict[str, User],
                                              regions: dict[str, str]) -> None:
    """只跑一次: the window channel counts submission and collection; a home visit none."""
    window = submit(personas["county_staff"], type="renewal", channel="window",
                    region=regions["village_a"], person=holder(regions["village_a"]))
    home = submit(personas["county_staff"], type="renewal", channel="home",
                  region=regions["village_a"], person=holder(regions["village_a"]))
    for app in (window, home):
        run_to_end(app, county=personas["county_staff"], township=personas["township_staff"],
                   assessor=personas["assessor"])
    assert Application.objects.get(pk=window.pk).trips == 2
    assert Application.objects.get(pk=home.pk).trips == 0
