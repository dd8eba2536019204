"""The case lifecycle (issue #7 item 3): one lifecycle for every source, deadlines by source
(DOMAIN.md §5 for 信访, working days for the others), 登记 → 受理 → 办理中 → 已办结 → 销号 or
退回, satisfaction with reopening, 复查 and 复核 for petitions, refusals with a message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from canlian.cases import services
from canlian.cases.models import (
    Case,
    CaseAction,
    CaseRoute,
    CaseSource,
    CaseStatus,
    ReviewStage,
)
from canlian.cases.tests.helpers import disabled, federations, on
from canlian.core.errors import DomainError
from canlian.core.models import Region, User
from canlian.organizations.models import OrgUnit, UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(regions: dict[str, str]) -> tuple[OrgUnit, OrgUnit]:
    return federations(regions["county"], regions["township_a"])


def register(actor: User, region: str, *, source: str = CaseSource.HELP,
             category: str = "device", **extra: object) -> Case:
    return services.case_register(actor=actor, source=source, category=category,
                                  title="需要轮椅", description="出行困难，需要一辆轮椅。",
                                  region_code=region, **extra)  # type: ignore[arg-type]


def test_petition_reply_is_due_15_calendar_days_later_moved_past_national_day(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """DOMAIN.md §5 第二十三条: 15 days, calendar days; a last day in the 国庆 holiday moves to
    the next working day (2026-10-01 → 2026-10-08)."""
    with on(date(2026, 9, 16)):
        case = register(personas["township_staff"], regions["village_a"],
                        source=CaseSource.PETITION)
    assert case.accept_due_on == date(2026, 10, 8)


def test_petition_is_concluded_within_60_days_of_acceptance_past_labour_day(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """DOMAIN.md §5 第三十四条: 60 days from 受理; 2026-05-01 is 劳动节 → 2026-05-06."""
    staff = personas["township_staff"]
    with on(date(2026, 2, 27)):
        case = register(staff, regions["village_a"], source=CaseSource.PETITION)
    with on(date(2026, 3, 2)):
        services.case_accept(actor=staff, case=case)
    assert case.due_on == date(2026, 5, 6)
    assert case.accepted_at is not None and case.status == CaseStatus.ACCEPTED


def test_petition_extension_is_at_most_30_days_with_the_reason_told(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """DOMAIN.md §5 第三十四条: extension ≤ 30 days, the petitioner told why."""
    staff = personas["township_staff"]
    with on(date(2026, 6, 1)):
        case = register(staff, regions["village_a"], source=CaseSource.PETITION)
        services.case_accept(actor=staff, case=case)
        assert case.due_on == date(2026, 7, 31)
        with pytest.raises(DomainError) as no_reason:
            services.case_extend(actor=staff, case=case, days=10, reason=" ")
        assert no_reason.value.field == "reason"
        services.case_extend(actor=staff, case=case, days=20, reason="需调取医院材料")
        services.case_extend(actor=staff, case=case, days=10, reason="需会商民政部门")
        with pytest.raises(DomainError) as too_long:
            services.case_extend(actor=staff, case=case, days=1, reason="再延")
    assert "30 日" in too_long.value.message
    assert case.due_on == date(2026, 8, 31) and case.extended_days == 30


def test_help_request_deadlines_count_working_days_across_mid_autumn(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """Other sources: working days on the holiday calendar (中秋 2026-09-25…27 not counted)."""
    with on(date(2026, 9, 24)):
        case = register(personas["village_liaison"], regions["village_a"])
    assert case.accept_due_on == date(2026, 9, 30)


def test_a_case_goes_from_registration_to_confirmation_when_the_person_is_satisfied(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    township_unit = units[1]
    staff = personas["township_staff"]
    with on(date(2026, 3, 2)):
        case = register(personas["village_liaison"], regions["village_a"],
                        contact_phone="13800001234")
        assert case.responsible_unit == township_unit and case.status == CaseStatus.REGISTERED
        services.case_accept(actor=staff, case=case, note="已安排辅具适配")
        services.case_start(actor=staff, case=case)
    with on(date(2026, 3, 9)):
        services.case_conclude(actor=staff, case=case, reply="已适配轮椅一辆。")
    assert case.status == CaseStatus.CONCLUDED and case.days_to_conclude == 7
    with on(date(2026, 3, 10)):
        services.case_rate(actor=personas["village_liaison"], case=case, satisfaction="satisfied")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONFIRMED and case.closed_at is not None
    assert list(case.events.values_list("action", flat=True)) == [
        CaseAction.REGISTER, CaseAction.ACCEPT, CaseAction.START, CaseAction.CONCLUDE,
        CaseAction.RATE]


def test_dissatisfied_reopens_the_case_with_a_fresh_deadline(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    staff = personas["township_staff"]
    with on(date(2026, 3, 2)):
        case = register(staff, regions["village_a"])
        services.case_accept(actor=staff, case=case)
        services.case_start(actor=staff, case=case)
        services.case_conclude(actor=staff, case=case, reply="已答复。")
    with on(date(2026, 3, 16)):
        services.case_rate(actor=personas["village_liaison"], case=case,
                           satisfaction="dissatisfied", note="轮椅尺寸不合适")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.reopen_count == 1
    assert case.concluded_at is None and case.satisfaction == "dissatisfied"
    assert case.due_on == date(2026, 4, 7)  # 15 working days from 3-16 (清明 4-6 off)
    with on(date(2026, 3, 20)):
        services.case_conclude(actor=staff, case=case, reply="已更换合适尺寸。")
        services.case_rate(actor=personas["village_liaison"], case=case, satisfaction="basically")
    assert case.status == CaseStatus.CONFIRMED


def test_petition_review_then_recheck_then_final(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """DOMAIN.md §5 第三十五、三十六条: 复查 by the next-higher body within 30 days, answered
    within 30 days; then 复核; after 复核 the same matter is not accepted again."""
    county_unit = units[0]
    township, county = personas["township_staff"], personas["county_staff"]
    with on(date(2026, 6, 1)):
        case = register(township, regions["village_a"], source=CaseSource.PETITION)
        services.case_accept(actor=township, case=case)
        services.case_start(actor=township, case=case)
        services.case_conclude(actor=township, case=case, reply="不符合条件。")
        services.case_rate(actor=personas["village_liaison"], case=case,
                           satisfaction="dissatisfied")
    assert case.status == CaseStatus.CONCLUDED  # a petition keeps its reply
    with on(date(2026, 6, 20)):
        services.case_review_request(actor=township, case=case, note="申请复查")
    assert case.review_stage == ReviewStage.REVIEW
    assert case.responsible_unit == county_unit and case.due_on == date(2026, 7, 20)
    with pytest.raises(DomainError):  # the township no longer handles it
        services.case_conclude(actor=township, case=case, reply="x")
    with on(date(2026, 7, 1)):
        services.case_conclude(actor=county, case=case, reply="维持原意见。")
        services.case_review_request(actor=county, case=case)
    assert case.review_stage == ReviewStage.RECHECK
    with on(date(2026, 7, 10)):
        services.case_conclude(actor=county, case=case, reply="复核维持。")
        with pytest.raises(DomainError) as final:
            services.case_review_request(actor=county, case=case)
        assert "不再受理" in final.value.message
        services.case_confirm(actor=personas["county_staff_2"], case=case)
    assert case.status == CaseStatus.CONFIRMED


def test_review_asked_more_than_30_days_after_the_reply_is_refused(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    """DOMAIN.md §5 第三十五条: within 30 days of receiving the reply."""
    staff = personas["township_staff"]
    with on(date(2026, 6, 1)):
        case = register(staff, regions["village_a"], source=CaseSource.PETITION)
        services.case_accept(actor=staff, case=case)
        services.case_start(actor=staff, case=case)
        services.case_conclude(actor=staff, case=case, reply="答复。")
    with on(date(2026, 7, 2)), pytest.raises(DomainError) as late:
        services.case_review_request(actor=staff, case=case)
    assert late.value.code == "late"
    with on(date(2026, 7, 2)):
        services.case_confirm(actor=personas["county_staff"], case=case, note="逾期未申请复查")
    assert case.status == CaseStatus.CONFIRMED


def test_out_of_order_transitions_are_refused_with_the_current_status(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    staff = personas["township_staff"]
    case = register(staff, regions["village_a"])
    with pytest.raises(DomainError) as error:
        services.case_conclude(actor=staff, case=case, reply="跳过受理")
    assert error.value.code == "out_of_order"
    assert "当前状态为“登记”" in error.value.message and "办结答复" in error.value.message
    with pytest.raises(DomainError):
        services.case_rate(actor=staff, case=case, satisfaction="satisfied")
    case.refresh_from_db()
    assert case.status == CaseStatus.REGISTERED and case.version == 1


def test_wrong_roles_are_refused(personas: dict[str, User], regions: dict[str, str],
                                 units: tuple) -> None:
    county_unit, _ = units
    case = register(personas["village_liaison"], regions["village_a"])
    for role in ("village_liaison", "leader", "liaison_b"):
        with pytest.raises(DomainError) as error:
            services.case_accept(actor=personas[role], case=case)
        assert error.value.code in ("forbidden", "jurisdiction")
    department = OrgUnit.objects.create(kind=UnitKind.DEPARTMENT, name="康复部",
                                        region_id=regions["county"], parent=county_unit)
    services.case_assign(actor=personas["county_staff"], case=case, unit=department)
    with pytest.raises(DomainError) as not_theirs:
        services.case_accept(actor=personas["township_staff"], case=case)
    assert "康复部" in not_theirs.value.message
    services.case_accept(actor=personas["county_staff"], case=case)


def test_return_needs_a_reason_and_ends_the_case(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    staff = personas["township_staff"]
    case = register(staff, regions["village_a"])
    with pytest.raises(DomainError) as error:
        services.case_return(actor=staff, case=case, reason="")
    assert error.value.field == "reason"
    services.case_return(actor=staff, case=case, reason="重复登记，见另一件")
    assert case.status == CaseStatus.RETURNED and case.return_reason
    with pytest.raises(DomainError):
        services.case_accept(actor=staff, case=case)


def test_a_stale_version_is_a_conflict_and_changes_nothing(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    staff = personas["township_staff"]
    case = register(staff, regions["village_a"])
    stale = Case.objects.get(pk=case.pk)
    services.case_accept(actor=staff, case=case, expected_version=1)
    with pytest.raises(DomainError) as error:
        services.case_return(actor=staff, case=stale, reason="退回", expected_version=1)
    assert error.value.code == "conflict"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


def test_cases_are_routed_by_region_and_category(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    county_unit, township_unit = units
    legal = OrgUnit.objects.create(kind=UnitKind.DEPARTMENT, name="维权部",
                                   region_id=regions["county"], parent=county_unit)
    CaseRoute.objects.create(region_id=regions["county"], category="legal", unit=legal)
    staff = personas["county_staff"]
    assert register(staff, regions["village_a"], category="legal").responsible_unit == legal
    assert register(staff, regions["village_a"]).responsible_unit == township_unit
    # 松坎镇 has no federation in this test: the county federation takes it.
    assert register(staff, regions["village_b"]).responsible_unit == county_unit


def test_registering_checks_region_person_phone_and_attachments(
        personas: dict[str, User], regions: dict[str, str], units: tuple) -> None:
    from canlian.cases.files import Upload

    liaison = personas["village_liaison"]
    other = disabled(regions["village_b"])
    with pytest.raises(DomainError) as error:
        register(liaison, regions["village_a"], person=other)
    assert error.value.field == "person"
    with pytest.raises(DomainError) as error:
        register(liaison, regions["village_b"])
    assert error.value.field == "region"
    with pytest.raises(DomainError) as error:
        register(liaison, regions["village_a"], contact_phone="12345")
    assert error.value.field == "contact_phone"
    gif = Upload("a.gif", b"GIF89a" + b"0" * 20)
    with pytest.raises(DomainError) as error:
        register(liaison, regions["village_a"], attachments=[gif])
    assert error.value.field == "attachments" and "PDF" in error.value.message
    big = Upload("a.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024))
    with pytest.raises(DomainError) as error:
        register(liaison, regions["village_a"], attachments=[big])
    assert "5 MB" in error.value.message
    assert not Case.objects.exists()
    case = register(liaison, regions["village_a"], attachments=[Upload("a.pdf", b"%PDF-1.4 x")])
    assert case.attachments.get().content_type == "application/pdf"
    assert Region.objects.filter(code=case.region_id).exists()
    assert case.registered_at.date() >= date.today() - timedelta(days=1)
