"""The home page's 待办 (DESIGN.md "Staff console": my pending applications, cases near their
deadline, visits due): each app adds what waits for the signed-in officer, with a link to the
page where it is handled, and overdue items are called out in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.enrolments import enrolment_apply
from canlian.benefits.tests.helpers import holder as benefits_holder
from canlian.benefits.tests.helpers import load_catalog
from canlian.certificates import workflow as cert_workflow
from canlian.certificates.models import Application
from canlian.certificates.tests.helpers import submit
from canlian.core.models import User
from canlian.core.workbench import todos_for, workbench_items
from canlian.registry.tests.factories import make_id_number


def _home(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("core:home")).content.decode()


def test_township_officer_sees_applications_waiting_at_their_step(
        personas: dict[str, User], regions: dict[str, str],
        django_assert_max_num_queries: Any) -> None:
    catalog = load_catalog()
    person = benefits_holder(regions["village_a"], grade=1, care=True)
    this_month = timezone.localdate().replace(day=1)
    enrolment_apply(actor=personas["village_liaison"], person=person,
                    policy=catalog["care_subsidy"], applied_month=this_month)
    late = submit(personas["village_liaison"], type="new", channel="township",
                  region=regions["village_a"], id_number=make_id_number())
    submit(personas["village_liaison"], type="new", channel="township",
           region=regions["village_a"], id_number=make_id_number())
    Application.objects.filter(pk=late.pk).update(
        step_due_on=timezone.localdate() - timedelta(days=1))

    township = _home(personas["township_staff"])
    assert "待乡镇（街道）初审的补贴申请 <strong>1</strong> 件" in township
    assert f'{reverse("benefits:enrolment_list")}?step=township' in township
    assert "待您办理的证件申请 <strong>2</strong> 件" in township
    assert "其中 1 件已超期" in township
    # The county's queue is empty until the township has reviewed.
    county = _home(personas["county_staff"])
    assert "待县残联审核的补贴申请" not in county
    client = Client()
    client.force_login(personas["township_staff"])
    mine = client.get(reverse("certificates:application_list"), {"status": "open", "mine": "on"})
    assert late.reference in mine.content.decode()
    with django_assert_max_num_queries(20):
        client.get(reverse("core:home"))


def test_nothing_waiting_says_so(personas: dict[str, User]) -> None:
    assert "目前没有等待您办理的事项" in _home(personas["county_staff"])


def test_admin_roles_have_no_todo_block(personas: dict[str, User]) -> None:
    page = _home(personas["county_admin"])
    assert "账户概况" in page and "目前没有等待您办理的事项" not in page


def test_liaison_officer_sees_who_to_visit_and_open_cases_of_the_village(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Issue #7: the due list and the open cases reach the officer's home page; a case past
    its acceptance deadline counts as overdue."""
    from canlian.cases import services as case_services
    from canlian.cases.models import Case
    from canlian.cases.tests.helpers import disabled, federations, on

    federations()
    today = timezone.localdate()
    with on(today - timedelta(days=30)):
        first = disabled(regions["village_a"], name="甲")
        disabled(regions["village_a"], name="乙")
        case = case_services.case_register(
            actor=personas["village_liaison"], source="help", category="rehab",
            title="需要轮椅", description="行动不便，申请轮椅", person=first)
    Case.objects.filter(pk=case.pk).update(accept_due_on=today - timedelta(days=1))
    page = _home(personas["village_liaison"])
    assert "应走访的残疾人 <strong>2</strong> 人" in page
    assert "本村尚未办结的诉求 <strong>1</strong> 件" in page
    # The township handles the case: the officer follows it (跟进), it is not their 待办.
    assert page.index("跟进") < page.index("本村尚未办结的诉求")
    assert "其中 1 件已超期" in page
    assert f'{reverse("cases:case_list")}?status=open' in page


# ---------------------------------------------------------------- 待办 ⇔ what the role may do


def _workload(personas: dict[str, User], regions: dict[str, str]) -> None:
    """Something waiting at every kind of step, in both townships, so each role's 待办 can be
    compared with what the apps' permission functions let that role do."""
    from canlian.appraisals.models import AppraisalAppeal
    from canlian.appraisals.tests.helpers import stored_result
    from canlian.cases import services as case_services
    from canlian.cases.models import Case, CaseStatus
    from canlian.cases.tests.helpers import disabled, federations
    from canlian.certificates import services as cert_services
    from canlian.certificates.models import Application, Step
    from canlian.certificates.tests.helpers import holder as cert_holder
    from canlian.registry.models import PersonChangeRequest

    county_unit, _ = federations()
    catalog = load_catalog()
    month = timezone.localdate().replace(day=1)
    liaison, liaison_b = personas["village_liaison"], personas["liaison_b"]
    county, township = personas["county_staff"], personas["township_staff"]
    for village, officer in ((regions["village_a"], liaison), (regions["village_b"], liaison_b)):
        enrolment_apply(actor=officer, person=benefits_holder(village, grade=1, care=True),
                        policy=catalog["care_subsidy"], applied_month=month)
        PersonChangeRequest.objects.create(
            person=disabled(village, name="待改"), region_id=village, name="待改",
            payload={}, requested_by=officer)
        submit(officer, type="new", channel="township", region=village,
               id_number=make_id_number())
        case_services.case_register(actor=officer, source="help", category="rehab",
                                    title="需要轮椅", description="行动不便",
                                    person=disabled(village, name="求助"))
    # At the county's review step (乡镇初审 done).
    at_county = enrolment_apply(actor=liaison, person=benefits_holder(regions["village_a"],
                                                                      grade=2, care=True),
                                policy=catalog["care_subsidy"], applied_month=month)
    from canlian.benefits.enrolments import enrolment_review
    enrolment_review(actor=township, enrolment=at_county, expected_version=at_county.version,
                     approve=True)
    # At 民政审定 after `county` decided 县残联审核: another county account records it.
    at_civil = enrolment_apply(actor=liaison, person=benefits_holder(regions["village_a"],
                                                                     grade=1, care=True),
                               policy=catalog["care_subsidy"], applied_month=month)
    for reviewer in (township, county):
        at_civil.refresh_from_db()
        enrolment_review(actor=reviewer, enrolment=at_civil, expected_version=at_civil.version,
                         approve=True)
    # Online: accepted by the county only; a home-visit application's assessment is the
    # county's, a township-window one's the township's too (就地简办).
    submit(liaison, type="new", channel="online", region=regions["village_a"],
           id_number=make_id_number())
    for channel in ("home", "township"):
        application = submit(liaison, type="new", channel=channel,
                             region=regions["village_a"], id_number=make_id_number())
        cert_services.application_accept(
            actor=county, application=application,
            received=cert_workflow.materials_required(application))
    # At 县残联审核, accepted by `county`: another county account reviews it (不相容岗位分离).
    renewal = submit(liaison, type="renewal", channel="township", region=regions["village_a"],
                     person=cert_holder(regions["village_a"]))
    cert_services.application_accept(actor=county, application=renewal,
                                     received=cert_workflow.materials_required(renewal))
    assessing = Application.objects.filter(step=Step.ASSESS, channel="township").get()
    cert_services.assessment_assign(actor=county, application=assessing,
                                    assessor=personas["assessor"], institution="县人民医院",
                                    place="township",
                                    scheduled_on=timezone.localdate() + timedelta(days=3))
    # A case the county's federation took over, and one concluded awaiting its return visit.
    routed = Case.objects.filter(region_id=regions["village_a"]).get()
    case_services.case_assign(actor=county, case=routed, unit=county_unit)
    case_services.case_register(actor=liaison, source="help", category="rehab",
                                title="需要拐杖", description="行动不便",
                                person=disabled(regions["village_a"], name="求助二"))
    concluded = case_services.case_register(
        actor=township, source="help", category="device", title="申请助听器",
        description="听力下降", person=disabled(regions["village_a2"], name="已办"))
    Case.objects.filter(pk=concluded.pk).update(status=CaseStatus.CONCLUDED,
                                                concluded_at=timezone.now(), concluded_by=township)
    # A payroll batch generated by `county` (another county account approves it), an open
    # cross-check finding, an annual-update proposal in village A.
    from canlian.benefits.payroll import payroll_generate
    from canlian.crosscheck.tests.helpers import import_list
    from canlian.registry.tests.factories import make_person

    payroll_generate(actor=county, policy=catalog["care_subsidy"], period_start=month)
    dead = make_person(region_code=regions["village_a"], name="已故")
    import_list(county, "deaths", [[dead.name, dead.id_number, "2026-01-15", "县医院"]])
    _survey_proposal(liaison, dead)
    # Appraisal: a draft quarter's officer without manual scores, a finalised one appealing.
    stored_result(regions["village_a"], by=county, name="待评分")
    final = stored_result(regions["village_a2"], by=county, user=liaison, finalized=True)
    AppraisalAppeal.objects.create(result=final, reason="走访数不对", filed_by=liaison,
                                   filed_at=timezone.now())
    # Guardian link requests of a resident: a ward registered in village B (松坎镇 verifies)
    # and an unregistered child (the resident's own township verifies).
    from canlian.registry.guardians import guardian_link_request

    ward = disabled(regions["village_b"], name="被监护")
    for name, number in ((ward.name, ward.id_number), ("小孩", make_id_number())):
        guardian_link_request(actor=personas["resident"], name=name, id_number=number,
                              relation="父母")


def _may_act_on(user: User) -> dict[str, int]:
    """Per 待办 label, how many things the user may act on, object by object through each
    app's permission functions (not the providers' queries)."""
    from canlian.appraisals import permissions as appraisal_permissions
    from canlian.appraisals.models import AppealStatus, AppraisalAppeal, AppraisalResult
    from canlian.benefits.models import BatchStatus, Enrolment, EnrolmentStatus, PayrollBatch
    from canlian.benefits.panels import STEP_WAITING_LABELS
    from canlian.benefits.permissions import approve_refusal, review_refusal
    from canlian.benefits.selectors import batches_for
    from canlian.cases import permissions as case_permissions
    from canlian.cases.models import OPEN_CASE_STATUSES, Case, CaseStatus
    from canlian.certificates import permissions as cert_permissions
    from canlian.certificates.models import Assessment
    from canlian.certificates.selectors import step_actors
    from canlian.core.permissions import in_jurisdiction
    from canlian.crosscheck.models import (
        Finding,
        FindingStatus,
        ProposalStatus,
        SurveyProposal,
    )
    from canlian.crosscheck.permissions import can_confirm, can_review_survey
    from canlian.registry.changes import can_decide
    from canlian.registry.guardians import can_verify
    from canlian.registry.models import GuardianLink, PersonChangeRequest

    found: dict[str, int] = {}

    def add(label: str, yes: bool) -> None:
        found[label] = found.get(label, 0) + int(yes)

    for enrolment in Enrolment.objects.filter(status=EnrolmentStatus.PENDING):
        add(STEP_WAITING_LABELS[enrolment.next_step],
            review_refusal(user, enrolment) is None and in_jurisdiction(user, enrolment.region_id))
    for application in Application.objects.all():
        conflict = application.step == "review" and cert_permissions.review_conflict(
            user, step_actors(application))
        add("待您办理的证件申请", cert_permissions.can_act(user, application, application.step)
            and not conflict)
    for assessment in Assessment.objects.select_related("application"):
        add("待您评定的残疾评定", cert_permissions.can_record_assessment(user, assessment))
    for change in PersonChangeRequest.objects.all():
        add("待审核的残疾人信息变更申请", can_decide(user, change))
    for link in GuardianLink.objects.all():
        add("待核实的监护关系", can_verify(user, link))
    for case in Case.objects.select_related("responsible_unit"):
        add("待您办理的诉求",
            case.status in OPEN_CASE_STATUSES and case_permissions.can_handle(user, case))
        add("已办结待回访的诉求", case.status == CaseStatus.CONCLUDED and not case.satisfaction
            and user.role != "resident" and case_permissions.can_rate(user, case)
            and not case_permissions.closure_conflict(user, case))
    for batch in PayrollBatch.objects.all():
        add("待审核的发放批次", batch.status == BatchStatus.DRAFT
            and approve_refusal(user, batch) is None
            and batch in batches_for(user))
    for finding in Finding.objects.all():
        add("待确认的比对发现", finding.status == FindingStatus.OPEN and can_confirm(user)
            and in_jurisdiction(user, finding.region_code))
    for proposal in SurveyProposal.objects.all():
        add("待审核的动态更新变更", proposal.status == ProposalStatus.OPEN
            and can_review_survey(user) and in_jurisdiction(user, proposal.region_code))
    for result in AppraisalResult.objects.select_related("quarter"):
        add("待录入人工评分的专职委员", not result.quarter.is_finalized
            and not result.manual_complete and appraisal_permissions.can_score(user, result))
    for appeal in AppraisalAppeal.objects.select_related("result"):
        add("待处理的考核申诉", appeal.status == AppealStatus.OPEN
            and appraisal_permissions.can_decide_appeal(user, appeal))
    # Whoever may record a visit in their jurisdiction has the people due there to visit.
    from canlian.cases import due
    from canlian.cases.selectors import due_summary_for

    if case_permissions.can_record_visit(user, user.region_id):
        summary = due_summary_for(actor=user)
        add("应走访的残疾人", False)
        found["应走访的残疾人"] = sum(summary[state] for state in due.DueState.OPEN)
    return {label: count for label, count in found.items() if count}


def test_each_roles_todos_are_exactly_what_it_may_act_on(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Issue #16 §9: township staff were not told of the liaison officers' change requests,
    and the read-only leader was told of an application they got 403 acting on. Every persona:
    the 待办 items are exactly the things the role may act on, each link opens for them."""
    _workload(personas, regions)
    for key, user in personas.items():
        shown = {todo.label: todo.count for todo in todos_for(user)}
        assert shown == _may_act_on(user), key
        client = Client()
        client.force_login(user)
        todos, follows = workbench_items(user)
        for todo in [*todos, *follows]:
            assert client.get(todo.url).status_code == 200, (key, todo.url)
    # The cases of the scenario the issue names.
    township = {todo.label: todo.count for todo in todos_for(personas["township_staff"])}
    assert township["待审核的残疾人信息变更申请"] == 1
    assert township["待核实的监护关系"] == 1  # the unregistered child; the ward is 松坎镇's
    assert township["待您办理的诉求"] == 1  # not the one the county's federation took over
    county = {todo.label: todo.count for todo in todos_for(personas["county_staff"])}
    county_2 = {todo.label: todo.count for todo in todos_for(personas["county_staff_2"])}
    assert county_2["待您办理的证件申请"] == county["待您办理的证件申请"] + 1  # the renewal
    assert county_2["待录入民政审定结果的补贴申请"] == 1
    assert "待录入民政审定结果的补贴申请" not in county
    assert "已办结待回访的诉求" not in township  # it concluded the only one
    assert county_2["待审核的发放批次"] == 1 and "待审核的发放批次" not in county
    assert county["待确认的比对发现"] == 1 and township["待审核的动态更新变更"] == 1
    assert county["待核实的监护关系"] == 2
    assert todos_for(personas["leader"]) == []
    assert "待您办理的证件申请" not in _home(personas["leader"])


def _survey_proposal(liaison: User, dead: Any) -> None:
    """An annual-update answer contradicting the registry: one proposal to review, made on a
    person of village A (the liaison officer collects, staff review)."""
    from canlian.crosscheck.management.commands.load_questionnaire import SHIPPED
    from canlian.crosscheck.survey import questionnaire_load, survey_response_save
    from canlian.registry.tests.factories import make_disabled_person

    questionnaire = questionnaire_load(text=SHIPPED.read_text(encoding="utf-8")).questionnaire
    person = make_disabled_person(region_code=liaison.region_id, name="王五")
    survey_response_save(actor=liaison, questionnaire=questionnaire, person=person,
                         raw={"R0": "1", "R3": "1", "R29": "1"})
